// Shows the sign-in page the address names, from its <template> (crates/signin `Page::markup`),
// as soon as the stylesheet is here (an inline script waits for it): the form is on screen as
// early as a static page's, while its module downloads; the module then takes the form over. A
// press of the button before that is held back (never sent as a plain form) and marked for the
// module to send. If the module could not be fetched before this ran, the loader's message moves
// into the form. Lines starting with // are left out of the page.
(function () {
  var p = location.pathname, ts = document.querySelectorAll('template[data-path]'), t, i;
  for (i = 0; i < ts.length; i++) if (ts[i].getAttribute('data-path') === p) t = ts[i];
  if (!t || document.getElementById('main')) return;
  var m = document.createElement('main'); m.id = 'main'; m.className = 'public'; m.tabIndex = -1;
  m.appendChild(t.content.cloneNode(true));
  var f = m.querySelector('form');
  f.addEventListener('submit', function (e) { e.preventDefault(); f.setAttribute('data-submitted', ''); });
  var b = document.getElementById('boot');
  document.body.insertBefore(m, b);
  if (b && b.getAttribute('role') === 'alert') {
    var a = m.querySelector('.form-alert'); a.textContent = b.textContent; a.hidden = false;
  }
  if (b) b.remove();
})();
