// The first load: Sign in downloads only the sign-in module (crates/signin, no Leptos), within its
// byte budget, and signing in opens the app with a full page load; every other
// page's code arrives as its own file when it is first needed (or in idle time after sign-in), so
// every page opens offline afterwards; a file that cannot be fetched gets a message, not a blank page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, keptOnDevice, newPage, signUpViaApi, connectViaApi, joinViaApi, PASSWORD } from './harness.mjs';

const env = useStoreAndBrowser({ before, after });

/**
 * Bytes on the wire for the first load of /login, as served (compressed), from navigation until
 * the network is idle. Bytes are deterministic for a build, unlike timings, so this is a budget
 * the test command holds, a few KB over today's size (docs/first-load.md has the numbers).
 * scripts/test.sh sets the budget of a build made on stable Rust, where nightly is missing.
 */
const SIGN_IN_BUDGET = Number(process.env.XOPS_SIGN_IN_BUDGET ?? 76 * 1024);

/**
 * Bytes on the wire before Home's heading shows, for a signed-in person opening the app in a new
 * browser (issue #34): the first module draws the frame and the heading, and the sync engine and
 * every page's code come after it. Nightly build; scripts/test.sh sets a stable build's.
 */
const HOME_BUDGET = Number(process.env.XOPS_HOME_BUDGET ?? 150 * 1024);

/**
 * Bytes on the wire before Home's heading shows drawn ahead (src/loader/home.html), with the app's
 * module held back: the page, the stylesheet, the settings, the session, the module's JS glue and
 * the icon (21.2 KB today). The same on every build.
 */
const HOME_AHEAD_BUDGET = 30 * 1024;

/**
 * The whole app's code on the wire (its first module, its JS, every chunk), once idle time has
 * fetched every page's: 643 KB today on a nightly build. Issue #34 asks 300 KB, which this app
 * cannot reach in its present form (docs/first-load.md: with no pages at all it is 285 KB), so
 * this holds the line where it is: a change that adds code here must say so by moving it.
 * scripts/test.sh sets a stable build's.
 */
const WHOLE_APP_BUDGET = Number(process.env.XOPS_WHOLE_APP_BUDGET ?? 650 * 1024);

/** Home's heading is on the page, drawn by the app (not the loader's copy, `__xopsHome`). */
const drawnByTheApp = () => !window.__xopsHome && document.querySelector('h1.page-title')?.textContent === 'Home';

/** The app's first module (its wasm). */
const FIRST_MODULE = /\/xops-[0-9a-f]{16}_bg\.wasm$/;

/**
 * What the page shows, as markup: the body's visible elements, without Leptos's empty marker
 * comments; and where Home's heading, its welcome line, the navigation's links and who is signed
 * in are laid out.
 */
function shown() {
  const html = [...document.body.children]
    .filter((e) => !['NOSCRIPT', 'TEMPLATE', 'SCRIPT'].includes(e.tagName) && !e.hidden)
    .map((e) => e.outerHTML).join('').replace(/<!---->/g, '');
  const boxes = [...document.querySelectorAll('h1.page-title, p.lead, .nav-links a, .nav-user-name, .top-bar')]
    .map((e) => { const r = e.getBoundingClientRect(); return `${e.textContent} ${r.x},${r.y} ${r.width}x${r.height}`; });
  return { html, boxes };
}

/** A request gate: `held` waits until `open()`, then lets the request through; `failed` then fails it. */
function gate() {
  let open;
  const opened = new Promise((resolve) => { open = resolve; });
  return {
    open,
    held: async (route) => { await opened; await route.continue(); },
    failed: async (route) => { await opened; await route.abort(); },
  };
}

/** What `recordWire` has seen so far: the bytes in all, and a listing for a failure's message. */
function onTheWire(files) {
  return {
    total: files.reduce((sum, f) => sum + f.bytes, 0),
    listing: files.map((f) => `${f.path} ${f.bytes}`).join('\n'),
  };
}

/** Records every response of a page: its path and its bytes on the wire. */
async function recordWire(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map();
  const files = [];
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    files.push({ path: new URL(urls.get(e.requestId) ?? 'http://x/').pathname, bytes: e.encodedDataLength });
  });
  return files;
}

const chunks = (files) => files.map((f) => f.path).filter((p) => /\/xops-(split|chunk)_/.test(p));

/** The app's own files (its first module, its loader, its chunks), as opposed to the sign-in module's. */
const ofTheApp = (f) => /^\/xops-(?!signin-)/.test(f.path);
const appFiles = (files) => files.filter(ofTheApp).map((f) => f.path);

test('a cold visit to Sign in fetches only the sign-in module, within its budget; signing in opens the app', async () => {
  const { page, problems, context } = await newPage(env.browser);
  const files = await recordWire(context, page);
  await page.goto(env.store.url + '/signup');
  await page.getByLabel('Email').waitFor();
  await page.waitForLoadState('networkidle');
  const { total, listing } = onTheWire(files);
  assert.ok(total <= SIGN_IN_BUDGET, `sign-in first load ${total} B is over its budget of ${SIGN_IN_BUDGET} B:\n${listing}`);
  assert.deepEqual(appFiles(files), [], `none of the app's code is fetched for Sign in:\n${listing}`);
  assert.ok(files.some((f) => /^\/xops-signin-[0-9a-f]{16}_bg\.wasm$/.test(f.path)), `the sign-in module is:\n${listing}`);
  assert.ok(files.some((f) => f.path === '/config.json'), `and the settings file:\n${listing}`);
  // Every code file has an immutable, hashed name.
  for (const f of files.filter((f) => /\.(js|wasm)$/.test(f.path))) {
    assert.match(f.path, /-[0-9a-f]{16}(_bg)?\.(js|wasm)$/, `${f.path} has a hashed name`);
  }

  // Once the person types, the app's first files follow in the background ...
  await page.getByLabel('Organization name').fill('Contoso');
  const appWasm = (p) => /^\/xops-[0-9a-f]{16}_bg\.wasm$/.test(p);
  for (let i = 0; i < 100 && !appFiles(files).some(appWasm); i++) await page.waitForTimeout(50);
  assert.ok(appFiles(files).some(appWasm), `typing fetches the app ahead:\n${files.map((f) => f.path).join('\n')}`);
  // ... and creating the account opens the app (a full page load) on the first-login picker.
  await page.getByLabel('Email').fill(`first-load-${Date.now()}@contoso.com`);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Select your preferred cloud service or platform' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/welcome');
  assert.deepEqual(problems, []);
  await context.close();
});

test('signed in, Home\'s heading shows within its budget before any chunk arrives; its accounts follow, never guessed', async () => {
  const { page, problems, context } = await newPage(env.browser);
  const files = await recordWire(context, page);
  await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, crypto.randomUUID(), 'Contoso M365');
  // A new browser: no copy of the records, no code. Every chunk and the records wait at the door.
  const code = gate(), records = gate();
  await page.route(/\/xops-(split|chunk)_/, code.held);
  await page.route(/\/api\/v1\/records/, records.held);
  await page.goto(env.store.url + '/');
  // The app's own heading (the loader may show the page's markup of it before: see below).
  await page.waitForFunction(drawnByTheApp);
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  await page.getByText(/^Welcome, person.*\. You are working in Org \d+\.$/).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).waitFor();
  await page.waitForTimeout(300); // what else the page asked for meanwhile (the icon) lands
  const { total, listing } = onTheWire(files);
  assert.deepEqual(chunks(files), [], `no chunk before Home's heading:\n${listing}`);
  assert.ok(total <= HOME_BUDGET, `Home's heading came after ${total} B, over its budget of ${HOME_BUDGET} B:\n${listing}`);

  // The code arrives; the store has not answered yet, so nothing is said of the accounts.
  code.open();
  await page.getByText('Loading your accounts…').waitFor();
  assert.equal(await page.getByText(/Nothing yet/).count(), 0);
  records.open();
  await page.getByTestId('needs-attention').getByRole('link', { name: 'Contoso M365' }).waitFor();
  await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).and(page.locator(':enabled')).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('each page\'s code arrives when needed, the rest in idle time; then every page opens offline', async () => {
  const { page, problems, context } = await newPage(env.browser);
  const files = await recordWire(context, page);
  await signUpViaApi(page, env.store);
  const id = '5a4b3c2d-1e0f-4a1b-8c2d-3e4f5a6b7c8d';
  await connectViaApi(page, env.store, id, 'Contoso M365');
  await page.goto(env.store.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor();
  const atHome = chunks(files);
  assert.ok(atHome.some((p) => p.includes('xops-split_signed_in-')), `Home brings the signed-in chunk: ${atHome}`);
  assert.ok(!atHome.some((p) => p.includes('xops-split_link-') || p.includes('xops-split_account-')),
    `Home does not wait for the link forms or the account page: ${atHome}`);

  // In idle time after sign-in, the other pages' code follows.
  await page.waitForFunction(() => performance.getEntriesByType('resource')
    .filter((r) => /xops-split_(link|account)-/.test(r.name)).length === 2, null, { timeout: 15_000 });
  await page.waitForLoadState('networkidle');
  // Then the service worker is registered; let it finish, so going offline does not cut its fetch.
  await keptOnDevice(page);
  // By then every page's code is here (the frame asks for the team's last, then hands the build
  // to the service worker): the whole app, within its budget.
  const code = files.filter(ofTheApp);
  assert.ok(chunks(files).some((p) => p.includes('xops-split_team-')), `idle time fetched the team's pages too: ${chunks(files)}`);
  const whole = onTheWire(code);
  console.log(`the whole app's code: ${whole.total} B`);
  assert.ok(whole.total <= WHOLE_APP_BUDGET, `the whole app's code is ${whole.total} B, over its budget of ${WHOLE_APP_BUDGET} B:\n${whole.listing}`);

  // Offline now: every page still opens, from what is already here.
  await context.setOffline(true);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Integrations' }).click();
  await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  await page.getByRole('link', { name: 'Contoso M365' }).click();
  await page.getByRole('heading', { level: 1, name: 'Contoso M365' }).waitFor();
  await nav.getByRole('link', { name: 'Integrations' }).click();
  await page.getByRole('button', { name: /^Microsoft/ }).click();
  await page.getByRole('link', { name: 'M365', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Link a New Microsoft Account' }).waitFor();
  await nav.getByRole('link', { name: 'Home' }).click();
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  await context.setOffline(false);
  assert.deepEqual(problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(p)), []);
  await context.close();
});

test('a page whose code cannot be fetched says so and offers Try again, which then works', async () => {
  const { page, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  let blocked = true;
  await context.route(/xops-split_link-[0-9a-f]+\.wasm$/, (route) => (blocked ? route.abort() : route.continue()));
  await page.goto(env.store.url + '/integrations/microsoft/m365/new');
  const alert = page.getByRole('alert');
  await alert.getByText('Part of Xops Integrations could not be downloaded').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'This page could not be loaded');
  assert.ok(await page.getByRole('navigation', { name: 'Main' }).isVisible(), 'the rest of the app stays usable');

  blocked = false;
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { level: 1, name: 'Link a New Microsoft Account' }).waitFor();
  await context.close();
});

test('when the app or the sign-in module cannot be fetched, the page says so instead of loading forever', async () => {
  const { page, context } = await newPage(env.browser);
  await context.route(/\/xops-(signin-)?[0-9a-f]{16}_bg\.wasm$/, (route) => route.abort());
  for (const path of ['/login', '/integrations']) {
    await page.goto(env.store.url + path);
    await page.getByRole('alert').getByText('Xops Integrations could not be downloaded').waitFor();
  }
  await context.close();
});

test('the sign-in form is on screen before its module; a press of Sign in meanwhile is sent once it runs', async () => {
  // The person's account, made in another browser context (this one must not be signed in).
  const other = await newPage(env.browser);
  const email = `early-${Date.now()}@contoso.com`;
  await signUpViaApi(other.page, env.store, { email });
  await other.context.close();

  const { page, problems, context } = await newPage(env.browser);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  // The sign-in module's code arrives only when the test says so (a slow connection).
  await context.route(/\/xops-signin-[0-9a-f]{16}_bg\.wasm$/, async (route) => { await held; await route.continue(); });
  const sent = [];
  page.on('request', (r) => sent.push(`${r.method()} ${r.url()}`));
  await page.goto(env.store.url + '/login?next=%2Fintegrations', { waitUntil: 'commit' });
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await page.waitForTimeout(300);
  assert.equal(await page.title(), 'Xops Integrations', 'the module has not run yet');
  assert.equal(page.url(), env.store.url + '/login?next=%2Fintegrations', 'the press did not send the form as a page');
  assert.ok(!sent.some((r) => r.includes('/auth/login') || r.includes(encodeURIComponent(email))), sent.join('\n'));

  release();
  await page.waitForURL(env.store.url + '/integrations');
  await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Opens `/` with the app's module held back and checks Home drawn ahead from the page's own
 * markup: within its budget and no wasm, with `email`, `organization` and `role` as text and the
 * title set; then lets the module in and checks the app draws the same markup, with nothing moved.
 */
async function drawnAheadThenTakenOver({ page, context, problems }, { email, organization, role }) {
  const files = await recordWire(context, page);
  const app = gate();
  await page.route(FIRST_MODULE, app.held);
  await page.goto(env.store.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  assert.ok(await page.evaluate(() => Boolean(window.__xopsHome)), 'drawn by the loader, with the app still on its way');
  const { total, listing } = onTheWire(files);
  assert.ok(total <= HOME_AHEAD_BUDGET, `Home's heading showed after ${total} B, over ${HOME_AHEAD_BUDGET} B:\n${listing}`);
  assert.ok(!files.some((f) => f.path.endsWith('.wasm')), `no wasm before Home's heading:\n${listing}`);
  await page.getByText(`Welcome, ${email}. You are working in ${organization}.`, { exact: true }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: 'Home' }).getAttribute('aria-current'), 'page');
  assert.equal(await nav.locator('.nav-user-role').textContent(), role);
  assert.equal(await page.title(), 'Home · Xops Integrations');
  const before = await page.evaluate(shown);

  app.open();
  await page.waitForFunction(drawnByTheApp);
  const after = await page.evaluate(shown);
  assert.equal(after.html, before.html, 'the app draws the same markup the page showed');
  assert.deepEqual(after.boxes, before.boxes, 'nothing moves when the app takes over');
  await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
  assert.deepEqual(problems, []);
}

test('signed in, Home shows from the page\'s own markup before the app\'s module arrives, and the app takes it over with nothing moved', async () => {
  const tab = await newPage(env.browser);
  // An organization name that is also markup: it must show as text.
  const organization = '<img src=x onerror="window.__owned = 1"> & Co';
  const me = await signUpViaApi(tab.page, env.store, { organization });
  await connectViaApi(tab.page, env.store, crypto.randomUUID(), 'Contoso M365');
  await drawnAheadThenTakenOver(tab, { email: me.user.email, organization, role: 'Owner' });
  assert.equal(await tab.page.evaluate(() => window.__owned), undefined, 'the name is text, never markup');
  await tab.context.close();
});

test('a viewer\'s Home is drawn ahead too, before any account is linked (the app shows them Home, not the picker)', async () => {
  const owner = await newPage(env.browser);
  await signUpViaApi(owner.page, env.store, { organization: 'Northwind' });
  const email = `viewer-${Date.now()}@northwind.com`;
  const viewer = await newPage(env.browser);
  await joinViaApi(owner.page, viewer.page, env.store, { email, role: 'viewer' });
  await drawnAheadThenTakenOver(viewer, { email, organization: 'Northwind', role: 'Viewer' });
  await viewer.context.close();
  await owner.context.close();
});

test('Home is not drawn ahead where the app would show something else, and a module that cannot be fetched is still said', async () => {
  /** Opens `/` with the app's module held back; once the loader has the session's answer and the
   * page is parsed, nothing but "Loading Xops Integrations…" shows. Resolves with the module's gate. */
  const nothingDrawnAhead = async (page) => {
    const app = gate();
    await page.route(FIRST_MODULE, app.held);
    await page.goto(env.store.url + '/');
    await page.waitForFunction(async () => { await window.__xopsStart.session; return document.readyState !== 'loading'; });
    await page.waitForTimeout(100);
    assert.equal(await page.getByRole('heading', { level: 1 }).count(), 0);
    await page.getByText('Loading Xops Integrations…').waitFor();
    return app;
  };

  // Signed out: the loader draws nothing, and the app sends the person to Sign in.
  let { page, problems, context } = await newPage(env.browser);
  (await nothingDrawnAhead(page)).open();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await context.close();

  // No account linked yet: the app opens the picker, so Home is not drawn ahead.
  ({ page, problems, context } = await newPage(env.browser));
  await signUpViaApi(page, env.store);
  (await nothingDrawnAhead(page)).open();
  await page.getByRole('heading', { level: 1, name: 'Select your preferred cloud service or platform' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();

  // Home drawn ahead, then the app's module cannot be fetched: the page says so, in place of Home.
  ({ page, context } = await newPage(env.browser));
  await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, crypto.randomUUID(), 'Contoso M365');
  const failing = gate();
  await page.route(FIRST_MODULE, failing.failed);
  await page.goto(env.store.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  failing.open();
  await page.getByRole('alert').getByText('Xops Integrations could not be downloaded. Check your connection, then reload the page.').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).count(), 0);
  await context.close();
});
