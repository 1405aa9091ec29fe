// The app on a static host, the store elsewhere: Debian's nginx serves a copy of the build with
// the deploy kit's nginx.conf (`xops-store deploy-kit`) on one loopback origin, and the store
// answers the API on another. The security headers must be the store's own; the whole Microsoft
// 365 flow must work across the two origins (CORS, the session cookie, Origin checks); and a
// deployment where the browser cannot keep the session says so instead of looping.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIST, STORE_BIN, startStore, startNginx, freePort, launchBrowser, newPage } from './harness.mjs';

const env = {};
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP_ID = '11111111-2222-3333-4444-555555555555';

before(async () => {
  env.work = mkdtempSync(path.join(tmpdir(), 'xops-static-'));
  env.site = path.join(env.work, 'site');
  cpSync(DIST, env.site, { recursive: true, preserveTimestamps: true });
  const port = await freePort();
  env.app = `http://127.0.0.1:${port}`;
  // Another site than the store's (localhost against 127.0.0.1): its cookies are third-party.
  env.otherSite = `http://localhost:${port}`;
  env.store = await startStore({ args: ['--allowed-origins', `${env.app},${env.otherSite}`] });
  execFileSync(STORE_BIN, ['deploy-kit', '--dist', env.site, '--out', path.join(env.work, 'kit'), '--root', env.site,
    '--listen', `127.0.0.1:${port}`, '--api-origin', env.store.url]);
  env.nginx = await startNginx(path.join(env.work, 'kit', 'nginx.conf'), port);
  // The store serving the same copy of the build, for comparing headers.
  env.reference = await startStore({ dist: env.site });
  env.browser = await launchBrowser();
});

after(async () => {
  await env.browser?.close();
  await env.nginx?.stop();
  await env.store?.stop();
  await env.reference?.stop();
  rmSync(env.work, { recursive: true, force: true });
});

test('nginx with the deploy kit sends the headers the store sends for the same files', async () => {
  const wasm = readdirSync(env.site).find((f) => f.endsWith('_bg.wasm'));
  const names = ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options', 'cache-control'];
  for (const file of ['/', `/${wasm}`, '/config.json', '/integrations/microsoft/m365/new']) {
    const headers = async (base) => {
      const res = await fetch(base + file, { headers: { accept: 'text/html,*/*' } });
      assert.equal(res.status, 200, `${base}${file}`);
      return Object.fromEntries(names.map((n) => [n, res.headers.get(n)]));
    };
    assert.deepEqual(await headers(env.nginx.url), await headers(env.reference.url), file);
  }
  const csp = (await fetch(env.nginx.url + '/')).headers.get('content-security-policy');
  assert.match(csp, new RegExp(`connect-src 'self' ${env.store.url};`));
  assert.doesNotMatch(csp, /unsafe-inline/);
});

test('on its own origin, the app signs up, links Microsoft 365, renames, syncs two tabs and signs out', async () => {
  const { page, context, problems } = await newPage(env.browser);
  context.setDefaultTimeout(20_000);
  await page.goto(env.app + '/signup');
  await page.getByLabel('Organization name').fill('Contoso');
  await page.getByLabel('Email').fill('ada@contoso.com');
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(env.app + '/welcome');

  await page.getByRole('link', { name: /^Microsoft/ }).click();
  await page.waitForURL(env.app + '/integrations/microsoft/m365/new');
  await page.getByLabel('Microsoft Account Name').fill('Contoso production');
  await page.getByLabel('Tenant ID').fill(TENANT);
  await page.getByLabel('Application ID').fill(APP_ID);
  await page.getByLabel('Organization Name').fill('contoso.onmicrosoft.com');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Generate Public Key', exact: true }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.cer$/);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  const id = new URL(page.url()).pathname.split('/').pop();
  const status = (p) => p.getByTestId('sync-status');
  await status(page).getByText('Saved', { exact: true }).waitFor();

  await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('Contoso renamed');
  await page.getByRole('button', { name: 'Rename' }).click();
  let stored = null;
  for (let i = 0; i < 100 && stored?.body?.name !== 'Contoso renamed'; i++) {
    stored = await (await page.request.get(`${env.store.url}/api/v1/records/${id}`)).json();
    if (stored?.body?.name !== 'Contoso renamed') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(stored.body.name, 'Contoso renamed', 'the store has the rename');

  const second = await context.newPage();
  await second.goto(env.app + '/integrations');
  await second.getByRole('link', { name: 'Contoso renamed' }).waitFor();
  await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('Contoso, from tab one');
  await page.getByRole('button', { name: 'Rename' }).click();
  await second.getByRole('link', { name: 'Contoso, from tab one' }).waitFor();

  await status(page).getByText('Saved', { exact: true }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  // With the second tab still open: it lets go of the local copy that sign-out deletes.
  await page.waitForURL(/\/login$/);
  assert.equal((await (await page.request.get(`${env.store.url}/api/v1/session`)).json()).me, null, 'signed out on the store');
  assert.deepEqual(problems, [], 'no CSP, CORS or other errors in the console');
  await context.close();
});

test('where the browser cannot keep the session (another site), sign-up says so instead of looping', async () => {
  const { page, context } = await newPage(env.browser);
  await page.goto(env.otherSite + '/signup');
  await page.getByLabel('Organization name').fill('Fabrikam');
  await page.getByLabel('Email').fill('bob@fabrikam.com');
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  const alert = page.locator('.form-alert').filter({ hasText: 'did not keep the session' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /different sites/);
  assert.match(page.url(), /\/signup$/);
  await context.close();
});
