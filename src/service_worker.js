// The service worker: keeps this build's app shell on the device, so the app starts without the
// network. `cargo xtask build-app` (xtask/src/page.rs) writes it to dist/sw.js, filling in BUILD (this build's id)
// and FILES (the exact list of this build's files). It never touches the API (the sync engine owns
// the data), cookies, or IndexedDB; it keeps only the build's own files, which are not personal.

const BUILD = '__XOPS_BUILD__';
const FILES = __XOPS_FILES__;
const SHELL = `xops-shell-${BUILD}`;
// A navigation waits this long for the network before the page from the device is shown.
const NAVIGATION_WAIT_MS = 3000;

// A file whose name carries a hash never changes: the copy in the browser's cache will do.
const HASHED = /-[0-9a-f]{10,16}(_bg)?\.[a-z0-9]+$/;

self.addEventListener('install', (event) => {
  // Any other file (the page, the settings, the manifest) from the server, never an older copy.
  const requests = FILES.map((f) => (HASHED.test(f) ? f : new Request(f, { cache: 'reload' })));
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(requests)));
  // No skipWaiting here: a new build waits until the person presses Reload (the app sends 'activate').
});

self.addEventListener('message', (event) => {
  if (event.data === 'activate') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('xops-shell-') && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // The API (and anything not ours) goes to the network untouched, and is never stored.
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
  } else if (url.pathname === '/config.json') {
    event.respondWith(fresh(request));
  } else {
    event.respondWith(caches.match(request, { cacheName: SHELL }).then((hit) => hit ?? fetch(request)));
  }
});

/** The page from the network when it answers quickly, else this build's page from the device. */
async function navigation(request) {
  const fromNetwork = fetch(request);
  fromNetwork.catch(() => {}); // answered below either way
  const waited = new Promise((resolve) => setTimeout(resolve, NAVIGATION_WAIT_MS, null));
  try {
    const response = await Promise.race([fromNetwork, waited]);
    if (response) return response;
  } catch {
    // Offline: the page from the device.
  }
  const page = await caches.match('/index.html', { cacheName: SHELL });
  return page ?? fromNetwork;
}

/** The settings from the network (they may change without a new build), else the device's copy. */
async function fresh(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(SHELL);
      await cache.put('/config.json', response.clone());
    }
    return response;
  } catch {
    return (await caches.match('/config.json', { cacheName: SHELL })) ?? Response.error();
  }
}
