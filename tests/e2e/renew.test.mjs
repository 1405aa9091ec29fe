// Renew certificate (issue 14, part 2): the browser makes a new key pair and certificate, adds the
// certificate to the app registration through Graph's addKey with a proof signed by the current
// key, tests the connection with the new one, and only then removes the old certificate (removeKey,
// signed with the new key) and the old key. The fake Entra (fake-entra.mjs) verifies every
// signature and proof; nothing here is mocked on our side.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { newPage, signUpViaApi, storedRecord } from './harness.mjs';
import { disclose, keySlots, linkM365, synced, testConnection, useMicrosoft } from './microsoft.mjs';

const APP = '22222222-3333-4444-8555-666666666666';
const DAY = 86_400_000;
const env = useMicrosoft({ before, after });

let tenants = 0;
function tenant() {
  tenants += 1;
  const id = `${String(tenants).padStart(8, '0')}-bbbb-4ccc-8ddd-000000000000`;
  env.entra.addTenant(id, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  return id;
}

function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), body: r.postData() ?? '' }));
  return seen;
}

const thumbprintOf = (pem) => new X509Certificate(pem).fingerprint.replaceAll(':', '');
const renewButton = (page) => page.getByRole('button', { name: 'Renew certificate' });

/** Fills the renewal form and presses Renew certificate; returns the sentence it ends with. */
async function renew(page, { objectId, certificateId }) {
  await disclose(page, 'Renew certificate');
  await page.getByRole('textbox', { name: 'Object ID' }).fill(objectId);
  if (certificateId) await page.getByRole('textbox', { name: 'Certificate ID of the current certificate (optional)' }).fill(certificateId);
  await renewButton(page).click();
  const outcome = page.locator('[data-testid=renew-done]:not([hidden]), [data-testid=renew-error]:not([hidden])');
  await outcome.waitFor({ timeout: 60_000 });
  return { ok: (await outcome.getAttribute('data-testid')) === 'renew-done', text: await outcome.innerText() };
}

test('a certificate ending in 10 days is flagged, renewed in one click, tested, and the old one is gone from Entra and this browser', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const requests = recordRequests(page);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  const objectId = env.entra.addApp(tenantId, APP);
  // The account was linked 355 days ago: the page's clock says so while its certificate is made.
  await page.clock.install({ time: Date.now() - 355 * DAY - 60_000 });
  const { id, pem } = await linkM365(page, env.store.url, { tenantId, appId: APP });
  const oldCertificateId = env.entra.uploadCertificate(tenantId, APP, pem); // the portal's upload
  await page.clock.setSystemTime(Date.now());

  await page.goto(env.store.url + '/integrations');
  await page.locator('table.accounts tbody tr').first().waitFor();
  await page.locator('table.accounts tbody tr').first().filter({ hasText: '10 days left: renew it now' }).waitFor();
  await page.getByRole('link', { name: 'Contoso' }).click();
  await page.getByText('Private key: held by this browser').waitFor();

  const done = await renew(page, { objectId, certificateId: oldCertificateId });
  assert.ok(done.ok, done.text);
  assert.match(done.text, /Certificate renewed: the new one is in use until .*; the old one is removed from the app registration and its key from this browser\./);

  // Entra holds only the new certificate, the record describes it, and this browser holds one key.
  await synced(page);
  const record = await storedRecord(page, env.store, id);
  const now = env.entra.certificates(tenantId, APP);
  assert.equal(now.length, 1, JSON.stringify(now));
  assert.notEqual(now[0].thumbprint, thumbprintOf(pem));
  assert.equal(record.body.certificate.sha1_thumbprint, now[0].thumbprint);
  assert.equal(record.body.certificate.key_id, now[0].keyId);
  assert.equal(record.body.details.application_object_id, objectId);
  assert.ok(Math.abs(record.body.certificate.not_after - (Date.now() + 365 * DAY)) < DAY, 'a new year from today');
  assert.ok(record.body.last_test.checks.every((c) => c.ok), 'tested with the new certificate before it was put in use');
  assert.deepEqual(await keySlots(page), [id]);

  // The proofs were checked: the add signed with the old key, the removal with the new one.
  const calls = env.entra.keyRequests.filter((r) => r.ok);
  assert.equal(calls.length, 2);
  const proofs = calls.map((c) => JSON.parse(Buffer.from(c.body.proof.split('.')[0], 'base64url')));
  assert.deepEqual(proofs.map((h) => Buffer.from(h.x5t, 'base64url').toString('hex').toUpperCase()), [thumbprintOf(pem), now[0].thumbprint]);
  const claims = JSON.parse(Buffer.from(calls[0].body.proof.split('.')[1], 'base64url'));
  assert.deepEqual([claims.aud, claims.iss, claims.exp - claims.nbf], ['00000002-0000-0000-c000-000000000000', objectId, 600]);

  // Nothing needs attention any more, and Test connection passes with the new key.
  const checks = await testConnection(page);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `${title}: ${c.text}`);

  // The renewal taught the account its Object ID: the next renewal shows it instead of asking.
  assert.equal(await page.getByRole('textbox', { name: 'Object ID' }).count(), 0);
  assert.match(await page.getByTestId('renew-object-id-known').innerText(), new RegExp(`Object ID ${objectId}`));
  await page.getByRole('button', { name: 'Change the Object ID' }).click();
  const objectField = page.getByRole('textbox', { name: 'Object ID' });
  assert.equal(await objectField.inputValue(), objectId);
  await page.waitForFunction(() => document.activeElement?.id === 'renew-object-id');
  // The Application ID, pasted by mistake, is caught as it is typed, with where to look instead.
  await objectField.fill(APP);
  await page.locator('#renew-object-id-error').filter({ hasText: 'This is the Application ID. The Object ID is another id' }).waitFor();
  assert.match(await page.locator('#renew-object-id-hint').innerText(), /Overview\. Under Essentials, copy Object ID, the line below Application \(client\) ID/);
  await page.goto(env.store.url + '/integrations');
  await page.locator('table.accounts tbody tr').first().waitFor();
  assert.doesNotMatch(await page.locator('table.accounts').innerText(), /renew it now/);

  // The store kept no proof: not in its log.
  assert.ok(env.store.logs().includes('certificate added to the app registration'), 'the log was read');
  for (const c of calls) assert.ok(!env.store.logs().includes(c.body.proof.split('.').pop()), 'a proof is in the store log');

  // No request carried key material: the store got the certificate only.
  const add = requests.find((r) => r.url.endsWith(`/integrations/${id}/keys`));
  assert.match(JSON.parse(add.body).certificate_pem, /^-----BEGIN CERTIFICATE-----/);
  for (const r of requests) assert.doesNotMatch(r.body, /PRIVATE KEY|"d"\s*:/, r.url);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a renewal the tenant refuses, or whose test fails, leaves the working certificate in place and says why', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);

  // This tenant's policy takes only certificates from a trusted authority.
  const strict = tenant();
  const objectId = env.entra.addApp(strict, APP, { policy: 'trustedOnly' });
  const { id, pem } = await linkM365(page, env.store.url, { tenantId: strict, appId: APP, name: 'Strict' });
  env.entra.uploadCertificate(strict, APP, pem);
  await page.getByText('Private key: held by this browser').waitFor();

  // Renew is one line until opened (the certificate has a year left); Replace, the fallback, too.
  const renewal = page.getByRole('group', { name: 'Renew certificate' });
  assert.equal(await renewal.locator('details').evaluate((d) => d.open), false);
  assert.equal(await page.getByRole('group', { name: 'Replace certificate' }).locator('details').evaluate((d) => d.open), false);
  await disclose(page, 'Renew certificate');
  // A mistyped Object ID is caught beside the field, before anything is made.
  await page.getByRole('textbox', { name: 'Object ID' }).fill('not-an-id');
  await renewButton(page).click();
  const objectField = page.getByRole('textbox', { name: 'Object ID' });
  assert.equal(await objectField.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#renew-object-id-error').innerText(), /Object ID must be a GUID/);

  let outcome = await renew(page, { objectId });
  assert.ok(!outcome.ok);
  assert.match(outcome.text, /Microsoft did not add the new certificate: .*trusted certificate authority.*Ask your Microsoft Entra administrator.*The current certificate stays in use\./s);
  assert.deepEqual(env.entra.certificates(strict, APP).map((c) => c.thumbprint), [thumbprintOf(pem)]);
  assert.deepEqual(await keySlots(page), [id], 'the unused new key is gone');
  assert.equal((await storedRecord(page, env.store, id)).body.certificate.sha1_thumbprint, thumbprintOf(pem));

  // The app's object ID mistyped (another app's): Entra refuses the proof, and the page says where to find the right one.
  outcome = await renew(page, { objectId: '0bad0bad-0000-4000-8000-000000000000' });
  assert.match(outcome.text, /issuer .* is not the application's object ID.*Check the Object ID/s);

  // Added, but the app lacks admin consent: the new certificate fails its test and is taken off again.
  const noConsent = tenant();
  const otherObject = env.entra.addApp(noConsent, APP, { consent: false });
  const second = await linkM365(page, env.store.url, { tenantId: noConsent, appId: APP, name: 'No consent' });
  env.entra.uploadCertificate(noConsent, APP, second.pem);
  await page.getByText('Private key: held by this browser').waitFor();
  outcome = await renew(page, { objectId: otherObject });
  assert.match(outcome.text, /The new certificate did not pass Test connection: .*admin consent.* It was taken off the app registration again, and the current certificate stays in use\./s);
  assert.deepEqual(env.entra.certificates(noConsent, APP).map((c) => c.thumbprint), [thumbprintOf(second.pem)]);

  // Once the certificate has expired, Microsoft will not take a proof signed with it: the page says so.
  await page.clock.install({ time: Date.now() + 400 * DAY });
  await page.reload();
  // Renew's one line says so; opened, it says why and points to Replace, which is open already.
  await page.getByRole('group', { name: 'Renew certificate' }).getByText('(not possible: the certificate has expired)').waitFor();
  assert.equal(await page.getByRole('group', { name: 'Replace certificate' }).locator('details').evaluate((d) => d.open), true);
  await disclose(page, 'Renew certificate');
  await page.getByText('This certificate has expired, so Microsoft no longer accepts it to sign a renewal').waitFor();
  assert.equal(await renewButton(page).count(), 0);
  assert.deepEqual(problems.filter((p) => !p.includes('status of 422')), [], 'only the refusals this test provoked');
  await context.close();
});

test('a browser without the key (its site data cleared) is told where the key is and offered Add this browser, not a failing button', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  env.entra.addApp(tenantId, APP);
  const { pem } = await linkM365(page, env.store.url, { tenantId, appId: APP, name: 'Cleared' });
  env.entra.uploadCertificate(tenantId, APP, pem);
  await page.getByText('Private key: held by this browser').waitFor();

  // Clear this browser's keys, as clearing its site data would (the session stays for the test's sake).
  await page.evaluate(async () => {
    const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n.startsWith('xops-keys-'));
    await new Promise((ok, fail) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = ok; r.onerror = fail; r.onblocked = ok; });
  });
  await page.reload();
  const test = page.getByRole('region', { name: 'Test connection' });
  await test.getByTestId('no-key-here').waitFor();
  // The key was made under this browser's own name: the page says the site data was cleared, not
  // that another browser of the same kind holds it.
  assert.match(await test.innerText(), /This browser holds no key for this account, so it cannot sign a test\. Its key was made under this browser's name \(“Chromium on Linux, \d+ \w+”\), so this browser's site data was probably cleared.*Add this browser again/s);
  await page.getByRole('region', { name: 'Browsers' }).getByRole('button', { name: 'Add this browser' }).waitFor();
  assert.equal(await test.getByRole('button', { name: 'Test connection' }).count(), 0, 'no button that can only fail');
  // Renew says in its one line why not from here; Replace, the way left, is open.
  const renewal = page.getByRole('group', { name: 'Renew certificate' });
  await renewal.getByText('(not from this browser: it holds no key)').waitFor();
  assert.match(await renewal.textContent(), /Renewal is signed with the current certificate's key, which this browser does not hold/);
  assert.equal(await page.getByRole('group', { name: 'Replace certificate' }).locator('details').evaluate((d) => d.open), true);
  assert.equal(await renewButton(page).count(), 0);
  assert.equal(await page.getByRole('group', { name: 'Replace certificate' }).getByRole('button', { name: 'Replace certificate' }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});
