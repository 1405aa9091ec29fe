// More than one browser (issue 14, part 3): each browser holds its own key for an account. A
// second browser profile, signed in as the same person, asks to be added; the first approves,
// which adds the second browser's certificate through Graph's addKey signed with the first's key
// (the fake Entra checks the proof); then both run Test connection, each with its own key.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { newPage, signUpViaApi, storedRecord, PASSWORD } from './harness.mjs';
import { keySlots, linkM365, synced, testConnection, useMicrosoft } from './microsoft.mjs';

const APP = '33333333-4444-4555-8666-777777777777';
const TENANT = '00000001-cccc-4ddd-8eee-000000000000';
const env = useMicrosoft({ before, after });

function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), body: r.postData() ?? '' }));
  return seen;
}

/** Signs `page` (a browser profile of its own) in as `email`. */
async function signIn(page, email) {
  const login = await page.request.post(env.store.url + '/api/v1/auth/login', {
    headers: { origin: env.store.url }, data: { email, password: PASSWORD },
  });
  assert.equal(login.status(), 200);
}

const browsersOf = (page) => page.getByRole('region', { name: 'Browsers' });
const statusOf = (page, text) => browsersOf(page).getByTestId('browsers-progress').filter({ hasText: text });
const thumbprintOf = (pem) => new X509Certificate(pem).fingerprint.replaceAll(':', '');

/** Add this browser, named `label`; returns the new certificate's thumbprint. */
async function addThisBrowser(page, label) {
  await browsersOf(page).getByRole('textbox', { name: 'Name this browser' }).fill(label);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    browsersOf(page).getByRole('button', { name: 'Add this browser' }).click(),
  ]);
  await statusOf(page, 'Requested.').waitFor();
  await synced(page);
  return thumbprintOf(readFileSync(await download.path(), 'utf8'));
}

/** A tenant with the app, an account linked from a first browser (its certificate uploaded in the
 * portal), and a second browser profile signed in as the same person. */
async function twoBrowsers(tenant) {
  env.entra.addTenant(tenant, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  const objectId = env.entra.addApp(tenant, APP);
  const first = await newPage(env.browser);
  const me = await signUpViaApi(first.page, env.store);
  const { id, pem } = await linkM365(first.page, env.store.url, { tenantId: tenant, appId: APP });
  env.entra.uploadCertificate(tenant, APP, pem);
  const second = await newPage(env.browser);
  await signIn(second.page, me.user.email);
  return { objectId, first, id, pem, second };
}

test('a second browser adds itself, the first approves, and both test the connection with their own keys', async () => {
  env.entra.addTenant(TENANT, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  const objectId = env.entra.addApp(TENANT, APP);

  // Ada's first browser links the account and uploads its certificate in the portal.
  const first = await newPage(env.browser);
  const firstRequests = recordRequests(first.page);
  const me = await signUpViaApi(first.page, env.store);
  const { id, pem } = await linkM365(first.page, env.store.url, { tenantId: TENANT, appId: APP });
  env.entra.uploadCertificate(TENANT, APP, pem);

  // Her second browser (another profile): signed in, no key here.
  const second = await newPage(env.browser);
  const secondRequests = recordRequests(second.page);
  await signIn(second.page, me.user.email);
  await second.page.goto(`${env.store.url}/integrations/${id}`);
  await second.page.getByTestId('no-key-here').waitFor();
  // It names itself, as others will see it.
  const name = browsersOf(second.page).getByRole('textbox', { name: 'Name this browser' });
  assert.match(await name.inputValue(), /^Chromium on /, 'prefilled from the browser');
  await name.fill("Chromium on Ada's second laptop");
  const [download] = await Promise.all([
    second.page.waitForEvent('download'),
    browsersOf(second.page).getByRole('button', { name: 'Add this browser' }).click(),
  ]);
  const secondPem = readFileSync(await download.path(), 'utf8');
  await browsersOf(second.page).getByTestId('browsers-progress').filter({ hasText: 'Requested.' }).waitFor();
  await synced(second.page);
  const secondThumbprint = thumbprintOf(secondPem);
  assert.match(await browsersOf(second.page).innerText(), new RegExp(`${secondThumbprint}.*Ada's second laptop \\(this browser\\), made by ${me.user.email}.*Waiting for approval`, 's'));

  // The first browser sees the request and approves it.
  await first.page.reload();
  const row = browsersOf(first.page).locator('tbody tr').filter({ hasText: secondThumbprint });
  await row.getByText('Waiting for approval').waitFor();
  assert.match(await row.innerText(), new RegExp(`Chromium on Ada's second laptop, made by ${me.user.email}`));
  await browsersOf(first.page).getByRole('textbox', { name: 'Object ID' }).fill(objectId);
  await row.getByRole('button', { name: 'Approve' }).click();
  await browsersOf(first.page).getByTestId('browsers-progress').filter({ hasText: 'Approved' }).waitFor();
  await synced(first.page);
  assert.deepEqual(env.entra.certificates(TENANT, APP).map((c) => c.thumbprint).sort(),
    [thumbprintOf(pem), secondThumbprint].sort());
  const record = await storedRecord(first.page, env.store, id);
  assert.equal(record.body.browser_requests, undefined, 'no request left');
  assert.equal(record.body.other_certificates[0].sha1_thumbprint, secondThumbprint);
  assert.match(record.body.other_certificates[0].key_id, /^[0-9a-f-]{36}$/);
  const proof = env.entra.keyRequests.filter((r) => r.ok).at(-1).body.proof;
  const x5t = JSON.parse(Buffer.from(proof.split('.')[0], 'base64url')).x5t;
  assert.equal(Buffer.from(x5t, 'base64url').toString('hex').toUpperCase(), thumbprintOf(pem),
    'the approval was signed with the first browser\'s key');

  // Both browsers test the connection, each signing with its own key, and say which.
  await second.page.reload();
  await browsersOf(second.page).locator('tbody tr').filter({ hasText: secondThumbprint }).getByText('In use').waitFor();
  let checks = await testConnection(second.page);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `second browser, ${title}: ${c.text}`);
  assert.match(await second.page.getByTestId('test-result').innerText(), new RegExp(`Signed with the certificate ${secondThumbprint}`));
  await synced(second.page);
  // The first browser, up to date with the second's result first (two tests at once would be two
  // changes to one record: the sync's conflict notice, tested elsewhere).
  await first.page.reload();
  await first.page.getByTestId('test-result').filter({ hasText: secondThumbprint }).waitFor();
  checks = await testConnection(first.page);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `first browser, ${title}: ${c.text}`);
  assert.match(await first.page.getByTestId('test-result').innerText(), new RegExp(`Signed with the certificate ${thumbprintOf(pem)}`));

  // No request from either browser carried key material.
  for (const r of [...firstRequests, ...secondRequests]) assert.doesNotMatch(r.body, /PRIVATE KEY|"d"\s*:/, r.url);
  assert.deepEqual([...first.problems, ...second.problems], []);
  await first.context.close();
  await second.context.close();
});

test('a request is withdrawn or declined, a browser in use is removed from Entra, and one whose certificate ended adds itself again', async () => {
  const tenant = '00000002-cccc-4ddd-8eee-000000000000';
  const { objectId, first, id, pem, second } = await twoBrowsers(tenant);
  await second.page.goto(`${env.store.url}/integrations/${id}`);
  await second.page.getByTestId('no-key-here').waitFor();

  // The second browser asks, then thinks better of it: the request and its key go.
  const withdrawn = await addThisBrowser(second.page, 'Chromium on the kiosk');
  await browsersOf(second.page).locator('tbody tr').filter({ hasText: withdrawn }).getByRole('button', { name: 'Withdraw' }).click();
  await statusOf(second.page, "This browser's request is withdrawn").waitFor();
  await synced(second.page);
  assert.deepEqual(await keySlots(second.page), []);
  assert.equal((await storedRecord(second.page, env.store, id)).body.browser_requests, undefined);

  // It asks again; the first browser declines.
  const declined = await addThisBrowser(second.page, 'Chromium on the kiosk');
  await first.page.reload();
  const declinedRow = browsersOf(first.page).locator('tbody tr').filter({ hasText: declined });
  await declinedRow.getByRole('button', { name: 'Decline' }).click();
  await statusOf(first.page, 'The request from Chromium on the kiosk is declined.').waitFor();
  await declinedRow.waitFor({ state: 'detached' });
  await synced(first.page);

  // It asks a third time and is approved, then removed: its certificate comes off the app
  // registration (removeKey signed by the first browser's key) and off the account.
  await second.page.reload();
  const kept = await addThisBrowser(second.page, "Chromium on Ada's old laptop");
  await first.page.reload();
  let row = browsersOf(first.page).locator('tbody tr').filter({ hasText: kept });
  await browsersOf(first.page).getByRole('textbox', { name: 'Object ID' }).fill(objectId);
  await row.getByRole('button', { name: 'Approve' }).click();
  await statusOf(first.page, 'Approved').waitFor();
  await synced(first.page);
  assert.equal(env.entra.certificates(tenant, APP).length, 2);
  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  assert.match(await row.innerText(), /Remove Chromium on Ada's old laptop\? Its certificate comes off the app registration, so its key can no longer sign in\./);
  await row.getByRole('button', { name: 'Remove browser' }).click();
  await statusOf(first.page, "Removed Chromium on Ada's old laptop: its certificate is off the app registration").waitFor();
  await row.waitFor({ state: 'detached' });
  await synced(first.page);
  assert.deepEqual(env.entra.certificates(tenant, APP).map((c) => c.thumbprint), [thumbprintOf(pem)]);
  assert.equal((await storedRecord(first.page, env.store, id)).body.other_certificates, undefined);
  const removal = env.entra.keyRequests.filter((r) => r.ok).at(-1).body;
  assert.ok(removal.keyId && !removal.keyCredential, 'the last call to Microsoft was a removeKey');
  // The removed browser is told it holds no key for the account again.
  await second.page.reload();
  await second.page.getByTestId('no-key-here').waitFor();

  // Added once more, and a year later its certificate has ended: it is offered Add this browser
  // (not a Test connection that can only fail), and asking again retires the ended certificate.
  const ended = await addThisBrowser(second.page, "Chromium on Ada's old laptop");
  await first.page.reload();
  row = browsersOf(first.page).locator('tbody tr').filter({ hasText: ended });
  await row.getByRole('button', { name: 'Approve' }).click();
  await statusOf(first.page, 'Approved').waitFor();
  await synced(first.page);
  await second.page.clock.install({ time: Date.now() + 400 * 86_400_000 });
  await second.page.reload();
  await second.page.getByTestId('no-key-here').waitFor();
  assert.match(await browsersOf(second.page).locator('tbody tr').filter({ hasText: ended }).innerText(), /\(Expired \d+ days ago\)/);
  const fresh = await addThisBrowser(second.page, "Chromium on Ada's old laptop");
  const record = (await storedRecord(second.page, env.store, id)).body;
  assert.equal(record.other_certificates, undefined, 'the ended certificate is retired');
  assert.deepEqual(record.browser_requests.map((c) => c.sha1_thumbprint), [fresh]);
  assert.equal((await keySlots(second.page)).length, 1, 'and its key deleted here');

  // The log says who removed and declined which browser.
  await first.page.goto(`${env.store.url}/activity?account=${id}&kind=browser_removed`);
  const entries = first.page.getByTestId('activity-list').locator('.activity-what');
  await entries.nth(2).waitFor();
  assert.deepEqual((await entries.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim().replace(/^\S+ /, '')).slice(0, 3), [
    "removed a browser Contoso (Chromium on Ada's old laptop)",
    'removed a browser Contoso (Chromium on the kiosk)',
    'removed a browser Contoso (Chromium on the kiosk)',
  ]);
  assert.deepEqual([...first.problems, ...second.problems], []);
  await first.context.close();
  await second.context.close();
});

test("a second browser renews its own certificate in one click; the first browser's stays", async () => {
  const DAY = 86_400_000;
  const tenant = '00000003-cccc-4ddd-8eee-000000000000';
  const { objectId, first, id, pem, second } = await twoBrowsers(tenant);

  // The second browser was added 355 days ago (its clock says so while its certificate is made).
  await second.page.clock.install({ time: Date.now() - 355 * DAY - 60_000 });
  await second.page.goto(`${env.store.url}/integrations/${id}`);
  const old = await addThisBrowser(second.page, "Firefox on Ada's laptop");
  await first.page.reload();
  await browsersOf(first.page).getByRole('textbox', { name: 'Object ID' }).fill(objectId);
  await browsersOf(first.page).locator('tbody tr').filter({ hasText: old }).getByRole('button', { name: 'Approve' }).click();
  await statusOf(first.page, 'Approved').waitFor();
  await synced(first.page);

  // Today: its Home counts this browser's own certificate (only it can renew it), and its row
  // says 10 days are left.
  await second.page.clock.setSystemTime(Date.now());
  await second.page.goto(env.store.url + '/');
  const attention = second.page.getByTestId('certificates-attention');
  await attention.waitFor();
  assert.match(await attention.innerText(), /1 certificate of this browser needs attention\s+Contoso \(this browser's own certificate\): 10 days left: renew it now/);
  await attention.getByRole('link', { name: 'Contoso' }).click();
  const own = browsersOf(second.page).getByRole('group', { name: "Renew this browser's certificate" });
  await own.getByRole('button', { name: 'Renew certificate' }).waitFor();
  assert.match(await browsersOf(second.page).locator('tbody tr').filter({ hasText: old }).innerText(), /10 days left: renew it now/);
  // The approval taught the account its Object ID: the section shows it instead of asking again.
  assert.equal(await browsersOf(second.page).getByRole('textbox', { name: 'Object ID' }).count(), 0);
  assert.match(await browsersOf(second.page).getByTestId('approve-object-id-known').innerText(), new RegExp(`Object ID ${objectId}`));
  await own.getByRole('button', { name: 'Renew certificate' }).click();
  const done = second.page.getByTestId('renew-own-done');
  await done.waitFor({ timeout: 60_000 });
  assert.match(await done.innerText(), /Certificate renewed: the new one is in use until .*; the old one is removed from the app registration and its key from this browser\./);
  await synced(second.page);
  assert.doesNotMatch(await browsersOf(second.page).locator('tbody').innerText(), /renew it now/);

  // Entra holds the first browser's certificate and the second's new one; the record names the
  // same browser with the new certificate; the second browser holds only the new key.
  const record = (await storedRecord(second.page, env.store, id)).body;
  const [renewed] = record.other_certificates;
  assert.notEqual(renewed.sha1_thumbprint, old);
  assert.equal(renewed.key_held_by, "Firefox on Ada's laptop");
  assert.deepEqual(env.entra.certificates(tenant, APP).map((c) => c.thumbprint).sort(), [thumbprintOf(pem), renewed.sha1_thumbprint].sort());
  assert.equal(record.certificate.sha1_thumbprint, thumbprintOf(pem), "the account's own certificate is untouched");
  assert.deepEqual(await keySlots(second.page), [`${id}/browser/${renewed.sha1_thumbprint}`]);
  const checks = await testConnection(second.page);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `${title}: ${c.text}`);
  assert.match(await second.page.getByTestId('test-result').innerText(), new RegExp(`Signed with the certificate ${renewed.sha1_thumbprint}`));

  // The log says whose certificate was replaced.
  await first.page.goto(`${env.store.url}/activity?account=${id}&kind=certificate_replaced`);
  await first.page.getByTestId('activity-list').getByText(`(Firefox on Ada's laptop: now ${renewed.sha1_thumbprint})`).waitFor();
  assert.deepEqual([...first.problems, ...second.problems], []);
  await first.context.close();
  await second.context.close();
});
