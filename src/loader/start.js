// The loader index.html carries inline, above the stylesheet (xtask/src/page.rs `write_loader`
// fills in the names): Sign in and Create account start the sign-in module, every other page the
// app. Each starts its script and its wasm at once; if either cannot be fetched, the page says so
// instead of "Loading…" forever. Lines starting with // are left out of the page.
(function () {
  var p = location.pathname, signIn = __XOPS_SIGNIN_PATHS__.indexOf(p) >= 0;
  var js = signIn ? '/__XOPS_SIGNIN_JS__' : '/__XOPS_APP_JS__', wasm = fetch(signIn ? '/__XOPS_SIGNIN_WASM__' : '/__XOPS_APP_WASM__');
  if (!signIn) {
    var l = document.createElement('link'); l.rel = 'modulepreload'; l.href = '/__XOPS_APP_LOADER__'; document.head.appendChild(l);
    // The settings and, with the API on this origin, who is signed in: asked now, beside the
    // module, and taken by the app (src/boot.rs) instead of asking once it runs.
    var config = fetch(new URL('config.json', document.baseURI).href, { cache: 'no-cache', priority: 'high' });
    window.__xopsStart = {
      config: config,
      session: config.then(function (r) { return r.status === 404 ? {} : r.clone().json(); }).then(function (c) {
        return c.api_base ? null : fetch(new URL('/api/v1/session', location.href).href, { credentials: 'include', priority: 'high' });
      }).catch(function () { return null; })
    };
  }
  import(js).then(function (m) { return m.default({ module_or_path: wasm }); }).catch(function (e) {
    console.error(e);
    var b = document.querySelector('main .form-alert') || document.getElementById('boot');
    if (b) {
      b.hidden = false; b.setAttribute('role', 'alert');
      b.textContent = 'Xops Integrations could not be downloaded. Check your connection, then reload the page.';
    }
  });
})();
