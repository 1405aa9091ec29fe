// Opens offline: once a person has signed in, the service worker keeps the app on the device, so
// a reload or a new tab with no network shows their pages from the local copy; a new build is
// offered with Reload and switched to only then; the worker keeps exactly the build's files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIST, freePort, keptOnDevice, newPage, signUpViaApi, connectViaApi, startStore, storedRecord, useStoreAndBrowser } from './harness.mjs';

const env = useStoreAndBrowser({ before, after });

const status = (page) => page.getByTestId('sync-status');


test('the worker keeps exactly the files of the build, and never the API', () => {
  const sw = readFileSync(path.join(DIST, 'sw.js'), 'utf8');
  const listed = JSON.parse(sw.match(/const FILES = (\[.*\]);/)[1].replaceAll("'", '"').replace(/,\]$/, ']'));
  const built = readdirSync(DIST).filter((f) => !/\.(br|gz)$/.test(f) && !['sw.js', '_headers', '_redirects'].includes(f))
    .map((f) => `/${f}`).sort();
  assert.deepEqual([...listed].sort(), built);
  assert.ok(listed.some((f) => /xops-split_link-/.test(f)) && listed.some((f) => /xops-split_account-/.test(f)),
    'the modules that load later are kept too');
  assert.ok(!listed.some((f) => f.startsWith('/api/')));
});

test('signed in once, the app opens offline in a reload and a new tab; a rename made offline arrives later', async () => {
  const { page, problems, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '6b5c4d3e-2f10-4a2b-9c3d-4e5f6a7b8c9d';
  await connectViaApi(page, env.store, id, 'Contoso M365');
  await page.goto(env.store.url + `/integrations/${id}`);
  await page.getByRole('heading', { level: 1, name: 'Contoso M365' }).waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();
  await keptOnDevice(page);

  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Contoso M365' }).waitFor();
  await status(page).getByText('Offline', { exact: true }).waitFor();

  const tab = await context.newPage();
  await tab.goto(env.store.url + '/integrations');
  await tab.getByRole('link', { name: 'Contoso M365' }).waitFor();
  await status(tab).getByText('Offline', { exact: true }).waitFor();
  await tab.close();

  // Rename while offline; it survives a reload and reaches the store once the network is back.
  const nameField = page.getByRole('region', { name: 'Rename' }).getByLabel('Microsoft Account Name');
  await nameField.fill('Contoso renamed offline');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await status(page).getByText('Offline — 1 change waiting').waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Contoso renamed offline' }).waitFor();
  await status(page).getByText('Offline — 1 change waiting').waitFor();

  await context.setOffline(false);
  await status(page).getByText('Saved', { exact: true }).waitFor({ timeout: 15_000 });
  assert.equal((await storedRecord(page, env.store, id)).body.name, 'Contoso renamed offline');

  // The worker kept the build's files and nothing else: no API answer, nothing personal.
  const kept = await page.evaluate(async () => {
    const paths = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    }
    return paths;
  });
  const files = readFileSync(path.join(DIST, 'sw.js'), 'utf8');
  for (const p of kept) assert.ok(files.includes(`'${p}'`), `${p} is one of the build's files`);
  assert.ok(!kept.some((p) => p.startsWith('/api/')));

  // Signing out forgets who was signed in here: offline, the app no longer opens their pages.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(env.store.url + '/login');
  assert.equal(await page.evaluate(() => localStorage.getItem('xops.signed-in')), null);
  await context.setOffline(true);
  await page.goto(env.store.url + '/integrations');
  await page.getByRole('heading', { level: 1, name: 'Xops is not reachable' }).waitFor();
  await context.setOffline(false);
  assert.deepEqual(problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED|net::ERR/.test(p)), []);
  await context.close();
});

test('the app can be installed: Chromium finds nothing missing', async () => {
  const { page, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await page.goto(env.store.url + '/welcome');
  await keptOnDevice(page);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // Playwright's contexts are private windows, where nothing installs; that is the only objection.
  assert.deepEqual(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'), []);
  const manifest = await (await page.request.get(env.store.url + '/manifest.webmanifest')).json();
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  await context.close();
});

test('a new build is offered with Reload, never switched to before, and runs after it', async () => {
  // Build A on a port of its own; build B is the same build with another id and page, as a new
  // deployment would be.
  const site = mkdtempSync(path.join(tmpdir(), 'xops-build-a-'));
  cpSync(DIST, site, { recursive: true, preserveTimestamps: true });
  const listen = `127.0.0.1:${await freePort()}`;
  let store = await startStore({ dist: site, listen });
  const { page, context } = await newPage(env.browser);
  try {
    await signUpViaApi(page, store);
    await page.goto(store.url + '/welcome');
    await keptOnDevice(page);
    const buildOf = () => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('xops-shell-')));
    const [buildA] = await buildOf();
    assert.ok(buildA, 'build A is kept');

    // Deploy B: a new page (a marker in its title) and a worker with a new id.
    await store.pause();
    const index = path.join(site, 'index.html');
    writeFileSync(index, readFileSync(index, 'utf8').replace('<title>Xops Integrations</title>', '<title>Xops Integrations</title><meta name="xops-build" content="B">'));
    for (const twin of ['index.html.br', 'index.html.gz']) rmSync(path.join(site, twin), { force: true });
    const sw = path.join(site, 'sw.js');
    writeFileSync(sw, readFileSync(sw, 'utf8').replace(/const BUILD = '([0-9a-f]+)'/, "const BUILD = 'b$1'"));
    for (const twin of ['sw.js.br', 'sw.js.gz']) rmSync(path.join(site, twin), { force: true });
    store = await startStore({ dist: site, dir: store.dir, listen });

    // The open tab learns of B (as it would on its periodic check), offers it, and waits.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    const notice = page.getByRole('status').filter({ hasText: 'A new version of Xops Integrations is ready.' });
    await notice.waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('meta[name="xops-build"]').count(), 0, 'no reload on its own');

    await notice.getByRole('button', { name: 'Reload' }).click();
    await page.locator('meta[name="xops-build"][content="B"]').waitFor({ state: 'attached', timeout: 20_000 });
    await page.getByRole('heading', { level: 1 }).waitFor();
    // B's files are kept, A's are gone.
    for (let waited = 0; ; waited += 200) {
      const shells = await buildOf();
      if (shells.length === 1 && shells[0] !== buildA) break;
      assert.ok(waited < 20_000, `build A's files are deleted once B runs: ${shells}`);
      await page.waitForTimeout(200);
    }
  } finally {
    await context.close();
    await store.stop();
    rmSync(site, { recursive: true, force: true });
  }
});
