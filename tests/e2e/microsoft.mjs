// Microsoft 365 steps the end-to-end tests share: link an account through the form, wait for it to
// be saved, and run Test connection from its page.

import { readFileSync } from 'node:fs';
import { startStore, launchBrowser } from './harness.mjs';
import { startFakeEntra } from './fake-entra.mjs';

/** A fake Entra, Graph and Resource Manager, a store pointed at it (logging at trace level, so that "never logs an
 * assertion, a token or a proof" is tested where it could fail), and a browser, for one test file. */
export function useMicrosoft({ before, after, store = {} }) {
  const env = {};
  before(async () => {
    env.entra = await startFakeEntra();
    env.store = await startStore({
      logLevel: 'trace',
      ...store,
      args: ['--microsoft-authority', env.entra.url, '--microsoft-graph', env.entra.url, '--azure-resource-manager', env.entra.url, ...(store.args ?? [])],
    });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.store?.stop();
    await env.entra?.stop();
  });
  return env;
}

export async function synced(page) {
  await page.getByTestId('sync-status').filter({ hasText: 'Saved' }).waitFor();
}

/** Links a Microsoft 365 account through the form; returns its id and the downloaded PEM. */
export async function linkM365(page, storeUrl, { tenantId, appId, organization = 'contoso.onmicrosoft.com', name = 'Contoso' }) {
  await page.goto(storeUrl + '/integrations/microsoft/m365/new');
  await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill(name);
  await page.getByRole('textbox', { name: 'Tenant ID' }).fill(tenantId);
  await page.getByRole('textbox', { name: 'Application ID' }).fill(appId);
  await page.getByRole('textbox', { name: 'Organization Name' }).fill(organization);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Generate Public Key' }).click()]);
  const pem = readFileSync(await download.path(), 'utf8');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  await synced(page);
  return { id: new URL(page.url()).pathname.split('/').pop(), pem };
}

/** Presses Test connection and returns the checklist as { title: { ok, text } }. (It waits for the
 * store's answer, then for the page to be done with it: a result shown before may read the same,
 * down to the second.) */
export async function testConnection(page, button = page.getByRole('region', { name: 'Test connection' }).getByRole('button', { name: 'Test connection' })) {
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && /\/integrations\/[^/]+\/verify$/.test(r.url()));
  await button.click();
  await answered;
  // (The status line at the top offers the test too: the section's own button is the one to watch.)
  await page.getByRole('region', { name: 'Test connection' }).getByRole('button', { name: 'Testing…' }).waitFor({ state: 'detached' });
  await page.getByTestId('test-result').waitFor();
  const checks = {};
  for (const li of await page.locator('.checklist li').all()) {
    const title = (await li.locator('.check-title strong').textContent()).trim();
    checks[title] = { ok: (await li.getAttribute('class')).includes('ok'), text: await li.textContent() };
  }
  return checks;
}

/** Opens the account page's disclosure whose heading is `name` ("Renew certificate", "Replace
 * certificate"), unless it is open already: the page keeps rare actions behind one line. */
export async function disclose(page, name) {
  const summary = page.locator('summary').filter({ has: page.getByRole('heading', { name, exact: true }) });
  await summary.waitFor();
  if (!(await summary.evaluate((s) => s.parentElement.open))) await summary.click();
}

/** The slots of the private keys this browser holds for the organization (IndexedDB `xops-keys-…`). */
export async function keySlots(page) {
  return page.evaluate(async () => {
    const request = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n.startsWith('xops-keys-'));
    const db = await request(indexedDB.open(name));
    const slots = await request(db.transaction('keys').objectStore('keys').getAllKeys());
    db.close();
    return slots;
  });
}

/** Waits until the store keeps `count` tickets (from the current window on) for each of the
 * organization's `accounts`, as `GET /tickets` says in the page's session; fails after `timeout` ms. */
export async function ticketsKept(page, count, timeout = 30_000, accounts = 1) {
  const until = Date.now() + timeout;
  let seen;
  while (Date.now() < until) {
    seen = (await (await page.request.get(new URL('/api/v1/tickets', page.url()).href)).json()).accounts.map((a) => a.tickets);
    if (seen.length === accounts && seen.every((n) => n === count)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the store keeps ${seen} tickets, not ${count}, after ${timeout} ms`);
}
