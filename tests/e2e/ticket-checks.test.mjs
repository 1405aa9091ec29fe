// The store tests an M365 account by itself with a sign-in ticket when no browser has for a while
// (issue 30, part 5; here after 10 s instead of a day): with the browser closed, it takes the
// current window's ticket, keeps a pass (with the last full test's consent and Exchange checks),
// and finds an account failing whose consent the tenant took back. Against the fake Entra and Graph.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, signUpViaApi, storedRecord, PASSWORD } from './harness.mjs';
import { linkM365, testConnection, ticketsKept, useMicrosoft } from './microsoft.mjs';

const APP = '44444444-5555-4666-8777-888888888888';
const APP_B = '44444444-5555-4666-8777-999999999999';
const TENANT = '00000001-dddd-4eee-8fff-000000000000';
const env = useMicrosoft({ before, after, store: { tickets: true, args: ['--ticket-check-after-secs', '10'] } });

/** The account's record once `ready(record)` holds (the store's check runs every second), read in a session of `me`'s. */
async function recordWhen(page, id, ready) {
  for (let tries = 0; tries < 60; tries++) {
    const r = await storedRecord(page, env.store, id);
    if (ready(r)) return r;
    await new Promise((r) => setTimeout(r, 500));
  }
  return storedRecord(page, env.store, id);
}

test('with nobody there, the store tests accounts with a ticket: it keeps a pass, and finds one whose consent was taken back failing', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const me = await signUpViaApi(page, env.store);
  env.entra.addTenant(TENANT, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  const linked = [];
  for (const [name, app] of [['Contoso', APP], ['Contoso mail', APP_B]]) {
    env.entra.addApp(TENANT, app);
    const { id, pem } = await linkM365(page, env.store.url, { tenantId: TENANT, appId: app, name });
    env.entra.uploadCertificate(TENANT, app, pem);
    const checks = await testConnection(page);
    assert.ok(Object.values(checks).every((c) => c.ok), JSON.stringify(checks));
    linked.push({ id, tested: (await storedRecord(page, env.store, id)).body.last_test });
  }
  // The tenant takes consent back from the second app; nobody is there to notice.
  env.entra.setConsent(TENANT, APP_B, false);
  await ticketsKept(page, 144, 30_000, 2);
  assert.deepEqual(problems, []);
  await context.close();

  // A reader's session (no page of the app open, so no browser tests the accounts).
  const reader = await newPage(env.browser);
  const login = await reader.page.request.post(env.store.url + '/api/v1/auth/login', { headers: { origin: env.store.url }, data: { email: me.user.email, password: PASSWORD } });
  assert.equal(login.status(), 200);
  const [kept, failing] = linked;
  const passed = (await recordWhen(reader.page, kept.id, (r) => r.body.last_test.at > kept.tested.at)).body.last_test;
  assert.ok(passed.at > kept.tested.at, 'the store tested it');
  assert.ok(passed.automatic);
  assert.deepEqual(passed.checks.map((c) => [c.id, c.ok]), kept.tested.checks.map((c) => [c.id, true]), 'a pass, with the full test\'s consent and Exchange checks carried over');

  const found = (await recordWhen(reader.page, failing.id, (r) => r.body.last_test.checks.some((c) => !c.ok))).body.last_test;
  const failed = found.checks.find((c) => !c.ok);
  assert.equal(failed?.id, 'organization', JSON.stringify(found));

  const used = await (await reader.page.request.get(env.store.url + '/api/v1/activity?kind=ticket_used')).json();
  assert.equal(used.entries.length, 2);
  for (const e of used.entries) {
    assert.equal(e.actor_email, 'Xops (scheduled check)');
    assert.match(e.detail, /^signed by Chromium on Linux.*; to test the connection$/);
  }
  const changes = await (await reader.page.request.get(env.store.url + '/api/v1/activity?kind=status_changed')).json();
  assert.equal(changes.entries.length, 1, 'only a change of status is logged');
  assert.equal(changes.entries[0].account_name, 'Contoso mail');
  assert.match(changes.entries[0].detail, /Working → Failing/);
  assert.equal(changes.entries[0].actor_email, 'Xops (scheduled check)');
  await reader.context.close();
});
