// Sync, end to end: changes made while the store is out of reach survive a reload and arrive
// later; two tabs agree; a conflict is shown, never dropped. "Out of reach" is a network failure
// of the records API (Playwright aborts those requests); the store itself is the real one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, newPage, signUpViaApi, connectViaApi, storedRecord, m365Body } from './harness.mjs';

const env = useStoreAndBrowser({ before, after });

const RECORDS_API = '**/api/v1/records**';
const status = (page) => page.getByTestId('sync-status');

async function rename(page, name) {
  await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill(name);
  await page.getByRole('button', { name: 'Rename' }).click();
}

test('a change made while offline survives a reload and reaches the store when back online', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '1a000000-0000-4000-8000-000000000001';
  await connectViaApi(page, env.store, id, 'Contoso production');
  await page.goto(`${env.store.url}/integrations/${id}`);
  await page.getByRole('heading', { level: 1, name: 'Contoso production' }).waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();

  await page.route(RECORDS_API, (route) => route.abort('internetdisconnected'));
  await rename(page, 'Contoso prod (renamed offline)');
  await status(page).getByText('Offline — 1 change waiting').waitFor();
  assert.equal((await storedRecord(page, env.store, id)).body.name, 'Contoso production', 'the store has not seen it');

  // Reload while the store is still out of reach: the change is still here, still waiting.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Contoso prod (renamed offline)' }).waitFor();
  await status(page).getByText('Offline — 1 change waiting').waitFor();

  // Back online: the change goes out at once.
  await page.unroute(RECORDS_API);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await status(page).getByText('Saved', { exact: true }).waitFor();
  const stored = await storedRecord(page, env.store, id);
  assert.equal(stored.body.name, 'Contoso prod (renamed offline)');
  assert.equal(stored.revision, 2, 'one change, sent once');
  assert.deepEqual(problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(p)), []);
  await context.close();
});

test('two tabs of one person stay consistent without a reload', async () => {
  const { page: a, context } = await newPage(env.browser);
  await signUpViaApi(a, env.store);
  const id = '1a000000-0000-4000-8000-000000000002';
  await connectViaApi(a, env.store, id, 'Tab test');
  const b = await context.newPage();
  await a.goto(`${env.store.url}/integrations`);
  await b.goto(`${env.store.url}/integrations`);
  await b.getByRole('link', { name: 'Tab test' }).waitFor();

  await a.getByRole('link', { name: 'Tab test' }).click();
  await rename(a, 'Renamed in tab A');
  await status(a).getByText('Saved', { exact: true }).waitFor();
  await b.getByRole('link', { name: 'Renamed in tab A' }).waitFor();
  await b.getByRole('link', { name: 'Tab test' }).waitFor({ state: 'detached' });
  await context.close();
});

test('a tab that missed another tab\'s news still shows what that tab pulled, on its next sync', async () => {
  // Tab B pulls a record into the shared device copy; tab A never hears of it (its
  // BroadcastChannel messages are dropped, as when B's news comes before A listens). A's next
  // round then starts from B's revision, so it must show the device's copy, not pull nothing.
  const { page: a, context } = await newPage(env.browser);
  await signUpViaApi(a, env.store);
  await a.addInitScript(() => {
    const add = BroadcastChannel.prototype.addEventListener;
    BroadcastChannel.prototype.addEventListener = function (type, ...rest) {
      if (type !== 'message') add.call(this, type, ...rest);
    };
  });
  await a.goto(`${env.store.url}/integrations`);
  await a.getByText('No accounts are linked yet.').waitFor();
  await status(a).getByText('Saved', { exact: true }).waitFor();

  await connectViaApi(a, env.store, '1a000000-0000-4000-8000-000000000007', 'Pulled by tab B');
  const b = await context.newPage();
  await b.goto(`${env.store.url}/integrations`);
  await b.getByRole('link', { name: 'Pulled by tab B' }).waitFor();
  await status(b).getByText('Saved', { exact: true }).waitFor();

  await a.evaluate(() => window.dispatchEvent(new Event('online')));
  await a.getByRole('link', { name: 'Pulled by tab B' }).waitFor();
  await context.close();
});

test('a conflict is shown to the person, who can apply their change again', async () => {
  const { page, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '1a000000-0000-4000-8000-000000000003';
  const created = await connectViaApi(page, env.store, id, 'Shared account');
  await page.goto(`${env.store.url}/integrations/${id}`);
  await status(page).getByText('Saved', { exact: true }).waitFor();

  // Offline, this person renames it; meanwhile a colleague renames it on the store.
  await page.route(RECORDS_API, (route) => route.abort('internetdisconnected'));
  await rename(page, 'Mine');
  await status(page).getByText('Offline — 1 change waiting').waitFor();
  const theirs = await page.request.put(`${env.store.url}/api/v1/records/${id}`, {
    headers: { origin: env.store.url, 'if-match': `"${created.revision}"` },
    data: { kind: 'integration', body: m365Body('Theirs') },
  });
  assert.equal(theirs.status(), 200);

  await page.unroute(RECORDS_API);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  const notice = page.getByRole('alert').filter({ hasText: 'someone changed it first' });
  await notice.waitFor();
  assert.match(await notice.textContent(), /Your change to “Mine” was not applied/);
  await page.getByRole('heading', { level: 1, name: 'Theirs' }).waitFor();

  // The notice survives a reload (it is kept on the device), then the person keeps their version.
  await page.reload();
  await notice.waitFor();
  await notice.getByRole('button', { name: 'Apply mine again' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mine' }).waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();
  assert.equal((await storedRecord(page, env.store, id)).body.name, 'Mine');
  await notice.waitFor({ state: 'detached' });
  await context.close();
});

test('disconnect asks first, then removes the account everywhere', async () => {
  const { page, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '1a000000-0000-4000-8000-000000000004';
  await connectViaApi(page, env.store, id, 'To be removed');
  await page.goto(`${env.store.url}/integrations/${id}`);
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(page.url(), `${env.store.url}/integrations/${id}`);
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('button', { name: 'Yes, disconnect' }).click();
  await page.waitForURL(`${env.store.url}/integrations`);
  await page.getByText('No accounts are linked yet.').waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();
  assert.equal((await storedRecord(page, env.store, id)).deleted, true);
  await context.close();
});

test('a change the store refuses is shown with its reason and not retried forever', async () => {
  const { page, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '1a000000-0000-4000-8000-000000000005';
  await connectViaApi(page, env.store, id, 'Refusal test');
  await page.goto(`${env.store.url}/integrations/${id}`);
  await status(page).getByText('Saved', { exact: true }).waitFor();
  let puts = 0;
  page.on('request', (r) => { if (r.method() === 'PUT' && r.url().includes(id)) puts += 1; });

  // A valid name for the form, but the store refuses anything that looks like key material.
  await rename(page, '-----BEGIN PRIVATE KEY-----');
  const notice = page.getByRole('alert').filter({ hasText: 'was not saved' });
  await notice.waitFor();
  assert.match(await notice.textContent(), /private key/i);
  await status(page).getByText('Saved', { exact: true }).waitFor();
  await page.getByRole('heading', { level: 1, name: 'Refusal test' }).waitFor();
  await page.waitForTimeout(2500); // longer than the first retry would wait
  assert.equal(puts, 1, 'sent once, not retried');
  assert.equal((await storedRecord(page, env.store, id)).body.name, 'Refusal test');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached' });
  await context.close();
});

test('signing out with changes waiting asks in the product\'s own dialog, naming them', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '1a000000-0000-4000-8000-000000000009';
  await connectViaApi(page, env.store, id, 'Waiting one');
  await page.goto(`${env.store.url}/integrations/${id}`);
  await status(page).getByText('Saved', { exact: true }).waitFor();
  await page.route(RECORDS_API, (route) => route.abort('internetdisconnected'));
  await rename(page, 'Renamed offline');
  await status(page).getByText('Offline — 1 change waiting').waitFor();

  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Sign out' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign out with changes waiting?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /1 change has not reached Xops yet/);
  assert.equal(await dialog.getByRole('listitem').textContent(), '“Renamed offline”');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Stay signed in', 'focus starts on the safe choice');
  // Escape cancels: still signed in, the change still waiting.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(page.url(), `${env.store.url}/integrations/${id}`);
  await status(page).getByText('Offline — 1 change waiting').waitFor();

  await nav.getByRole('button', { name: 'Sign out' }).click();
  await dialog.getByRole('button', { name: 'Sign out anyway' }).click();
  await page.waitForURL(`${env.store.url}/login`);
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('a change is checked against the newest copy the device holds, whichever layer holds it', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const id = '1a000000-0000-4000-8000-000000000009';
  const created = await connectViaApi(page, env.store, id, 'Layered account');
  await page.goto(`${env.store.url}/integrations/${id}`);
  await page.getByRole('heading', { level: 1, name: 'Layered account' }).waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();

  // Elsewhere the account is renamed and forty more are linked: the next pull is large, and the
  // device keeps it as one chunk, newer than the account's own entry from the first pull.
  const renamed = await page.request.put(`${env.store.url}/api/v1/records/${id}`, {
    headers: { origin: env.store.url, 'if-match': `"${created.revision}"` },
    data: { kind: 'integration', body: m365Body('Renamed elsewhere') },
  });
  assert.equal(renamed.status(), 200);
  for (let i = 0; i < 40; i++) {
    await connectViaApi(page, env.store, `1b0000${String(i).padStart(2, '0')}-0000-4000-8000-000000000009`, `Other ${i}`);
  }
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByRole('heading', { level: 1, name: 'Renamed elsewhere' }).waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();

  // This person renames it now: the change goes out against the copy they see, and is taken.
  await rename(page, 'Renamed here');
  await page.getByRole('heading', { level: 1, name: 'Renamed here' }).waitFor();
  let stored;
  for (let i = 0; i < 50; i++) {
    stored = await storedRecord(page, env.store, id);
    if (stored.body.name === 'Renamed here') break;
    await page.waitForTimeout(100);
  }
  assert.equal(stored.body.name, 'Renamed here');
  assert.equal(await page.getByRole('alert').filter({ hasText: 'someone changed it first' }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a device new to a large organization catches up page by page, and reads it back after a reload', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  // More than the first page (1,000): the rest comes in a second, larger page, asked for while
  // the first is stored.
  const n = 1_200;
  const id = (i) => `2c${i.toString(16).padStart(6, '0')}-0000-4000-8000-000000000009`;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await page.request.put(`${env.store.url}/api/v1/records/${id(i)}`, {
        headers: { origin: env.store.url, 'if-none-match': '*' },
        data: { kind: 'integration', body: m365Body(`Account ${String(i).padStart(4, '0')}`) },
      });
      assert.equal(res.status(), 201);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const pages = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/records?')) pages.push(new URL(r.url()).search); });

  await page.goto(`${env.store.url}/integrations`);
  await page.getByText('1200 accounts linked').waitFor();
  await status(page).getByText('Saved', { exact: true }).waitFor();
  assert.deepEqual(pages.slice(0, 2), ['?since=0&limit=1000', '?since=1000&limit=5000']);
  await page.getByRole('link', { name: 'Account 0000' }).waitFor();

  await page.reload();
  await page.getByText('1200 accounts linked').waitFor();
  // The last account came in the second page; its page reads it whole.
  await page.goto(`${env.store.url}/integrations/${id(n - 1)}`);
  await page.getByRole('heading', { level: 1, name: 'Account 1199' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
