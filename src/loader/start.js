// The loader index.html carries inline, above the stylesheet (xtask/src/page.rs `write_loader`
// fills in the names): Sign in and Create account start the sign-in module, every other page the
// app. Each starts its script and its wasm at once; if either cannot be fetched, the page says so
// instead of "Loading…" forever. Lines starting with // are left out of the page.
(function () {
  var p = location.pathname, signIn = __XOPS_SIGNIN_PATHS__.indexOf(p) >= 0;
  var js = signIn ? '/__XOPS_SIGNIN_JS__' : '/__XOPS_APP_JS__', wasm = fetch(signIn ? '/__XOPS_SIGNIN_WASM__' : '/__XOPS_APP_WASM__');
  if (!signIn) {
    var l = document.createElement('link'); l.rel = 'modulepreload'; l.href = '/__XOPS_APP_LOADER__'; document.head.appendChild(l);
    // The settings and who is signed in: asked now, beside the module, and taken by the app
    // (src/boot.rs) instead of asking once it runs. Who is signed in is asked of this origin
    // before the settings say the API is here (no api_base), and used only if they do; where the
    // API is elsewhere, this one request goes unused (the host answers it with its page, or not
    // at all).
    var config = fetch(new URL('config.json', document.baseURI).href, { cache: 'no-cache', priority: 'high' });
    var asked = fetch(new URL('/api/v1/session', location.href).href, { credentials: 'include', priority: 'high' })
      .catch(function () { return null; });
    window.__xopsStart = {
      config: config,
      session: config.then(function (r) { return r.status === 404 ? {} : r.clone().json(); }).then(function (c) {
        return c.api_base ? null : asked;
      }).then(function (r) {
        if (r && r.ok && p === '/') r.clone().json().then(function (s) { drawHome(s.me); }).catch(function () {});
        return r;
      }).catch(function () { return null; })
    };
  }
  // Home, drawn from its markup (<template id="xops-home">, src/loader/home.html) the moment the
  // session says whose it is, while the app's module is still on its way: only where the app
  // draws the same at once (src/pages/home_first.rs: an organization with a connected account, or
  // a viewer; no passkey owed). Text goes in as text. The app replaces it when it draws anything
  // of its own (its "Loading…" line while it asks for the session waits hidden instead).
  function drawHome(me) {
    if (!me || !(me.has_connected_account || me.role === 'viewer') || me.passkey_required) return;
    var draw = function () {
      var t = document.getElementById('xops-home'), boot = document.getElementById('boot');
      if (!t || !boot || boot.hidden || boot.getAttribute('role') === 'alert') return;
      var home = t.content.cloneNode(true), n, drawn = [];
      var text = { email: me.user.email, organization: me.organization.name, role: me.role.charAt(0).toUpperCase() + me.role.slice(1) };
      home.querySelectorAll('[data-fill]').forEach(function (e) { e.textContent = text[e.getAttribute('data-fill')]; e.removeAttribute('data-fill'); });
      for (n = home.firstChild; n; n = n.nextSibling) drawn.push(n);
      document.body.insertBefore(home, boot);
      boot.hidden = true;
      document.title = 'Home · Xops Integrations';
      window.__xopsHome = drawn;
      var takeOver = new MutationObserver(function (changes) {
        var app = false;
        changes.forEach(function (c) {
          c.addedNodes.forEach(function (a) {
            if (a.nodeType !== 1 || drawn.indexOf(a) >= 0) return;
            if (a.classList.contains('boot-message')) a.hidden = true; else app = true;
          });
        });
        if (!app) return;
        takeOver.disconnect();
        drawn.forEach(function (d) { d.remove(); });
        document.querySelectorAll('body > .boot-message[hidden]').forEach(function (b) { if (b.id !== 'boot') b.hidden = false; });
        window.__xopsHome = null;
      });
      takeOver.observe(document.body, { childList: true });
    };
    // As soon as the markup is parsed whole (the page's last script follows it), or once it is.
    var t = document.getElementById('xops-home');
    if (document.readyState !== 'loading' || (t && t.nextElementSibling)) draw(); else document.addEventListener('DOMContentLoaded', draw);
  }
  import(js).then(function (m) { return m.default({ module_or_path: wasm }); }).catch(function (e) {
    console.error(e);
    (window.__xopsHome || []).forEach(function (d) { d.remove(); });
    var b = document.querySelector('main .form-alert') || document.getElementById('boot');
    if (b) {
      b.hidden = false; b.setAttribute('role', 'alert');
      b.textContent = 'Xops Integrations could not be downloaded. Check your connection, then reload the page.';
    }
  });
})();
