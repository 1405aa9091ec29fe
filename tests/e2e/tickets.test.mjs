// Sign-in tickets signed ahead (issue 30): a browser holding an M365 account's key signs a day of
// client assertions, one per 10-minute window; with the browser closed, a scanner takes the
// current one with its service token and gets an access token from the fake Entra, which refuses
// an assertion before its nbf, after its exp, or a second time. Off, Renew certificate and
// Disconnect each change the tickets table at once. Nothing here is mocked on our side.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { newPage, signUpViaApi, STORE_BIN, PASSWORD } from './harness.mjs';
import { disclose, linkM365, synced, ticketsKept, useMicrosoft } from './microsoft.mjs';

const APP = '33333333-4444-4555-8666-777777777777';
const DAY = 86_400_000;
const env = useMicrosoft({ before, after, store: { tickets: true } });

let tenants = 0;
function tenant() {
  tenants += 1;
  const id = `${String(tenants).padStart(8, '0')}-cccc-4ddd-8eee-000000000000`;
  env.entra.addTenant(id, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  return id;
}

const database = () => path.join(env.store.dir, 'store.sqlite3');
/** The tickets table as the store keeps it: [window_start, thumbprint, sealed] rows of one account. */
function table(id) {
  const out = execFileSync('sqlite3', ['-separator', '|', database(), `SELECT window_start, thumbprint, sealed FROM tickets WHERE account_id = '${id}' ORDER BY window_start`], { maxBuffer: 64 << 20 }).toString().trim();
  return out ? out.split('\n').map((l) => l.split('|')) : [];
}
/** The account's rows once `ready(rows)` (or they number `ready`), or as they are after 30 s. */
async function tableOf(id, ready) {
  const done = typeof ready === 'number' ? (rows) => rows.length === ready : ready;
  for (let tries = 0; tries < 150; tries++) {
    const rows = table(id);
    if (done(rows)) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
  return table(id);
}
const thumbprintOf = (pem) => new X509Certificate(pem).fingerprint.replaceAll(':', '');
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const x5t = (jwt) => Buffer.from(JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url')).x5t, 'base64url').toString('hex').toUpperCase();

async function exchange(ticket, assertion = ticket.assertion) {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: ticket.client_id,
    client_assertion_type: ticket.client_assertion_type, client_assertion: assertion, scope: ticket.scope });
  const res = await fetch(ticket.token_endpoint, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

async function claim(token, id) {
  const res = await fetch(`${env.store.url}/api/v1/service/accounts/${id}/ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

/** Waits until the account page says how far ahead Xops can use the account; returns the sentence. */
async function horizon(page, expected = /Xops can use this account until/) {
  const line = page.getByTestId('ticket-horizon');
  await line.filter({ hasText: expected }).waitFor({ timeout: 60_000 });
  return line.innerText();
}

test('a scanner uses the account with the browser closed; each ticket works once and only in its window', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const uploads = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /\/accounts\/[^/]+\/tickets$/.test(r.url())) uploads.push(...r.postDataJSON().tickets); });
  const me = await signUpViaApi(page, env.store);
  const tenantId = tenant();
  env.entra.addApp(tenantId, APP);
  const { id, pem } = await linkM365(page, env.store.url, { tenantId, appId: APP });
  env.entra.uploadCertificate(tenantId, APP, pem);

  // 24 hours is the default: 144 tickets, back to back from the current window, in batches.
  assert.equal(await page.getByLabel('Sign tickets ahead for').inputValue(), '24h');
  const said = await horizon(page);
  assert.match(said, /\(tickets signed by Chromium on Linux.*\)\./);
  await ticketsKept(page, 144, 30_000);
  const rows = await tableOf(id, 144);
  assert.ok(rows.every(([, thumbprint]) => thumbprint === thumbprintOf(pem)));
  assert.ok(rows.every(([w], i) => i === 0 || Number(w) - Number(rows[i - 1][0]) === 600), 'one per window, no gap');
  assert.equal(uploads.length, 144);
  // Sealed at rest: no row holds a readable assertion.
  for (const [, , sealed] of rows) assert.ok(!uploads.some((t) => sealed.includes(t.split('.')[0]) || sealed.includes(t.split('.')[2].slice(0, 40))));
  assert.deepEqual(problems, []);
  await context.close(); // nobody has Xops open from here on

  const token = execFileSync(STORE_BIN, ['service', 'add', '--name', 'scanner', '--database', database()]).toString().trim();
  const taken = await claim(token, id);
  assert.equal(taken.status, 200, JSON.stringify(taken.body));
  const exchanged = await exchange(taken.body);
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  assert.ok(exchanged.body.access_token);
  assert.equal((await exchange(taken.body)).status, 401, 'the fake refuses a ticket the second time');
  const again = await claim(token, id);
  assert.equal(again.status, 404, 'one ticket per window');
  assert.equal((await tableOf(id, 143)).length, 143);

  // A ticket for a later window is refused now, and accepted inside its window (the fake's clock moves, not the store's).
  const later = uploads.find((t) => claims(t).nbf === taken.body.not_before + 1800);
  const refused = await exchange(taken.body, later);
  assert.equal(refused.status, 401);
  assert.match(refused.body.error_description, /AADSTS700024/);
  env.entra.setClockAhead(1800 * 1000);
  try {
    assert.equal((await exchange(taken.body, later)).status, 200);
  } finally {
    env.entra.setClockAhead(0);
  }
  // And refused after its window.
  const ended = uploads.find((t) => claims(t).nbf === taken.body.not_before + 1200);
  env.entra.setClockAhead((1200 + 600 + 60) * 1000);
  try {
    assert.match((await exchange(taken.body, ended)).body.error_description, /AADSTS700024/);
  } finally {
    env.entra.setClockAhead(0);
  }

  // The activity log names the scanner and the browser.
  const reader = await newPage(env.browser);
  const login = await reader.page.request.post(env.store.url + '/api/v1/auth/login', { headers: { origin: env.store.url }, data: { email: me.user.email, password: PASSWORD } });
  assert.equal(login.status(), 200);
  const log = await (await reader.page.request.get(env.store.url + '/api/v1/activity?kind=ticket_used')).json();
  assert.equal(log.entries.length, 1);
  assert.equal(log.entries[0].actor_email, 'scanner');
  assert.match(log.entries[0].detail, /^signed by Chromium on Linux/);

  // Home warns when an account's tickets end within 6 hours: here they end in 2 (the store's
  // table cut short), and this browser holds no key to sign more.
  const soon = Math.floor(Date.now() / 1000 / 600) * 600 + 12 * 600;
  execFileSync('sqlite3', [database(), `DELETE FROM tickets WHERE window_start >= ${soon}; UPDATE ticket_horizons SET ends_at = ${soon * 1000}`]);
  await reader.page.goto(env.store.url + '/');
  const warning = reader.page.getByTestId('tickets-ending');
  await warning.waitFor();
  assert.match(await warning.innerText(), /Contoso: its tickets end .*\. Open Xops in a browser that holds its key to sign more\./);
  assert.deepEqual(reader.problems, []);
  await reader.context.close();

  execFileSync(STORE_BIN, ['service', 'revoke', '--name', 'scanner', '--database', database()]);
  assert.equal((await claim(token, id)).status, 401);
});

test('Off deletes every ticket at once, Renew certificate replaces them with the new key\'s, and Disconnect deletes them', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  const objectId = env.entra.addApp(tenantId, APP);
  // Linked 355 days ago, so Renew certificate is offered.
  await page.clock.install({ time: Date.now() - 355 * DAY - 60_000 });
  const { id, pem } = await linkM365(page, env.store.url, { tenantId, appId: APP });
  const certificateId = env.entra.uploadCertificate(tenantId, APP, pem);
  await page.clock.setSystemTime(Date.now());
  await page.reload();
  await horizon(page);
  await ticketsKept(page, 144, 30_000);

  // Off: the table holds none of the account's tickets once the change is saved.
  await page.getByLabel('Sign tickets ahead for').selectOption('off');
  await page.getByText('Saved: Off.').waitFor();
  await synced(page);
  assert.deepEqual(await tableOf(id, 0), []);
  await horizon(page, /Tickets are off/);

  // On again (7 days), then renewed: the old key's tickets go with its certificate; the new key signs new ones.
  await page.getByLabel('Sign tickets ahead for').selectOption('7d');
  await ticketsKept(page, 1008, 90_000);
  await disclose(page, 'Renew certificate');
  await page.getByRole('textbox', { name: 'Object ID' }).fill(objectId);
  await page.getByRole('textbox', { name: 'Certificate ID of the current certificate (optional)' }).fill(certificateId);
  await page.getByRole('button', { name: 'Renew certificate' }).click();
  await page.getByTestId('renew-done').waitFor({ timeout: 60_000 });
  const renewed = env.entra.certificates(tenantId, APP)[0].thumbprint;
  assert.notEqual(renewed, thumbprintOf(pem));
  const rows = await tableOf(id, (rows) => rows.length === 1008 && rows.every(([, thumbprint]) => thumbprint === renewed));
  assert.equal(rows.length, 1008);
  assert.ok(rows.every(([, thumbprint]) => thumbprint === renewed), 'every ticket is the new key\'s');

  // Disconnect.
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('button', { name: 'Yes, disconnect' }).click();
  await page.waitForURL(/\/integrations$/);
  await synced(page);
  assert.deepEqual(await tableOf(id, 0), []);
  assert.deepEqual(problems, []);
  await context.close();
});
