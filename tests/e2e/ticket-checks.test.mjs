// The store tests an M365 account by itself with a sign-in ticket when no browser has for a while
// (issue 30, part 5; here after 3 s instead of a day): with the browser closed, it takes the
// current window's ticket, keeps a pass (with the last full test's consent and Exchange checks),
// and finds it failing once the tenant takes consent back. Against the fake Entra and Graph.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, signUpViaApi, storedRecord, PASSWORD } from './harness.mjs';
import { linkM365, testConnection, useMicrosoft } from './microsoft.mjs';

const APP = '44444444-5555-4666-8777-888888888888';
const TENANT = '00000001-dddd-4eee-8fff-000000000000';
const env = useMicrosoft({ before, after, store: { tickets: true, args: ['--ticket-check-after-secs', '3'] } });

/** The account's record once `ready(record)` holds (the store's check runs every second), read in a session of `me`'s. */
async function recordWhen(page, id, ready) {
  for (let tries = 0; tries < 60; tries++) {
    const r = await storedRecord(page, env.store, id);
    if (ready(r)) return r;
    await new Promise((r) => setTimeout(r, 500));
  }
  return storedRecord(page, env.store, id);
}

test('with nobody there, the store tests the account with a ticket, keeps a pass, and finds consent taken back', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const me = await signUpViaApi(page, env.store);
  env.entra.addTenant(TENANT, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  env.entra.addApp(TENANT, APP);
  const { id, pem } = await linkM365(page, env.store.url, { tenantId: TENANT, appId: APP });
  env.entra.uploadCertificate(TENANT, APP, pem);
  const checks = await testConnection(page);
  assert.ok(Object.values(checks).every((c) => c.ok), JSON.stringify(checks));
  await page.waitForFunction(async () => (await (await fetch('/api/v1/tickets')).json()).accounts[0]?.tickets === 144, null, { timeout: 30_000 });
  const tested = (await storedRecord(page, env.store, id)).body.last_test;
  assert.deepEqual(problems, []);
  await context.close();

  // A reader's session (no page of the app open, so no browser tests the account).
  const reader = await newPage(env.browser);
  const login = await reader.page.request.post(env.store.url + '/api/v1/auth/login', { headers: { origin: env.store.url }, data: { email: me.user.email, password: PASSWORD } });
  assert.equal(login.status(), 200);
  const rechecked = await recordWhen(reader.page, id, (r) => r.body.last_test.at > tested.at);
  const last = rechecked.body.last_test;
  assert.ok(last.at > tested.at, 'the store tested it');
  assert.ok(last.automatic);
  assert.deepEqual(last.checks.map((c) => [c.id, c.ok]), tested.checks.map((c) => [c.id, true]), 'a pass, with the full test\'s consent and Exchange checks carried over');
  const log = await (await reader.page.request.get(env.store.url + '/api/v1/activity?kind=ticket_used')).json();
  assert.ok(log.entries.length >= 1);
  assert.equal(log.entries.at(-1).actor_email, 'Xops (scheduled check)');
  assert.match(log.entries.at(-1).detail, /^signed by Chromium on Linux.*; to test the connection$/);

  // The tenant takes consent back: the next check finds the account failing, and says so in the log.
  env.entra.setConsent(TENANT, APP, false);
  const failing = await recordWhen(reader.page, id, (r) => r.body.last_test.checks.some((c) => !c.ok));
  const failed = failing.body.last_test.checks.find((c) => !c.ok);
  assert.equal(failed.id, 'organization', JSON.stringify(failing.body.last_test));
  const changes = await (await reader.page.request.get(env.store.url + '/api/v1/activity?kind=status_changed')).json();
  assert.match(changes.entries[0].detail, /Working → Failing/);
  assert.equal(changes.entries[0].actor_email, 'Xops (scheduled check)');
  await reader.context.close();
});
