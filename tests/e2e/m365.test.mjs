// Linking a Microsoft 365 account, end to end, as the product text describes it: Integrations →
// Microsoft → M365 → the form → Generate Public Key (a real certificate, downloaded and checked
// here with Node's own X.509 code) → Connect → the account page; then rename, replace, disconnect.
// The private key must never leave the browser: every request is recorded and searched.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { useStoreAndBrowser, newPage, signUpViaApi, connectViaApi, storedRecord, PASSWORD } from './harness.mjs';
import { disclose } from './microsoft.mjs';

const env = useStoreAndBrowser({ before, after });
const h1 = (page) => page.getByRole('heading', { level: 1 });
const DAY = 86_400_000;
const TENANT = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
const APP = '11111111-2222-3333-4444-555555555555';

/** Every request the page sends: URL, headers and body. */
function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push(`${r.method()} ${r.url()}\n${JSON.stringify(r.headers())}\n${r.postData() ?? ''}`));
  return seen;
}

/** Nothing that looks like private key material: PEM private keys, JWK private members, PKCS#8. */
function assertNoKeyMaterial(texts) {
  for (const t of texts) {
    assert.doesNotMatch(t, /PRIVATE KEY/i, t.slice(0, 200));
    assert.doesNotMatch(t, /"(d|p|q|dp|dq|qi)"\s*:/, t.slice(0, 200));
    assert.doesNotMatch(t, /MIIE[A-Za-z0-9+/]{2}AgEAMA0GCSqGSIb3DQEBAQUA/, 'a base64 PKCS#8 RSA key');
  }
}

/**
 * The key kept in this browser's IndexedDB under `id`, as the page sees it: its properties,
 * whether WebCrypto lets it be exported, and a signature over "xops" made with it.
 */
async function storedKey(page, orgId, id) {
  return page.evaluate(async ([org, id]) => {
    const req = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const db = await req(indexedDB.open('xops-keys-' + org));
    try {
      const key = await req(db.transaction('keys').objectStore('keys').get(id));
      if (!key) return null;
      let exportable = true;
      try { await crypto.subtle.exportKey('pkcs8', key); } catch { exportable = false; }
      const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode('xops'));
      return { type: key.type, extractable: key.extractable, exportable, algorithm: key.algorithm.name,
        modulusLength: key.algorithm.modulusLength, signature: Array.from(new Uint8Array(sig)) };
    } finally { db.close(); }
  }, [orgId, id]);
}

const signedBy = (key, cert) => verify('sha256', Buffer.from('xops'), cert.publicKey, Buffer.from(key.signature));
const thumbprintOf = (cert) => cert.fingerprint.replaceAll(':', '');

/** Waits until the top bar says everything reached the store. */
async function synced(page) {
  await page.getByTestId('sync-status').filter({ hasText: 'Saved' }).waitFor();
}

/** Generate Public Key; returns the downloaded certificate (file name, PEM, parsed). */
async function generate(page, buttonName = 'Generate Public Key') {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: buttonName, exact: true }).click(),
  ]);
  const pem = readFileSync(await download.path(), 'utf8');
  return { file: download.suggestedFilename(), pem, cert: new X509Certificate(pem) };
}

async function fillForm(page, { name, tenant = TENANT, app = APP, organization = 'contoso.onmicrosoft.com' }) {
  await page.getByLabel('Microsoft Account Name').fill(name);
  await page.getByLabel('Tenant ID').fill(tenant);
  await page.getByLabel('Application ID').fill(app);
  await page.getByLabel('Organization Name').fill(organization);
}

/** The whole link through the UI from the form page; returns the new account's id and certificate. */
async function linkThroughForm(page, name) {
  await page.goto(env.store.url + '/integrations/microsoft/m365/new');
  await fillForm(page, { name });
  const downloaded = await generate(page);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  const id = new URL(page.url()).pathname.split('/').pop();
  return { id, ...downloaded };
}

test('the whole flow of the product text: Integrations → Microsoft → M365 → generate → reload → Connect → Home after sign-in', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const requests = recordRequests(page);
  const me = await signUpViaApi(page, env.store, { organization: 'Contoso', email: `m365-${Date.now()}@contoso.com` });

  // First visit: the picker. The side navigation leads to Integrations.
  await page.goto(env.store.url + '/');
  await page.waitForURL(env.store.url + '/welcome');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  await page.waitForURL(env.store.url + '/integrations');
  assert.equal(await h1(page).textContent(), 'Integrations');
  for (const name of ['AWS', 'Azure']) assert.ok(await page.getByRole('link', { name: new RegExp(`^${name}`) }).isVisible());
  const microsoft = page.getByRole('button', { name: /^Microsoft/ });
  assert.match(await microsoft.textContent(), /No accounts linked/);
  assert.equal(await microsoft.getAttribute('aria-expanded'), 'false');
  // The card works from the keyboard.
  await microsoft.focus();
  await page.keyboard.press('Enter');
  assert.equal(await microsoft.getAttribute('aria-expanded'), 'true');
  await page.getByRole('link', { name: 'M365', exact: true }).click();
  await page.waitForURL(env.store.url + '/integrations/microsoft/m365/new');
  assert.equal(await h1(page).textContent(), 'Link a New Microsoft Account');

  // The instructions open beside the form, from a button named by what it opens.
  const guideLink = page.getByRole('button', { name: 'Step-by-step setup guide' });
  await guideLink.click();
  const guide = page.getByRole('complementary', { name: 'How to connect a Microsoft 365 account' });
  for (const step of ['App registrations', 'New registration', 'Accounts in this organizational directory only',
    'Exchange.ManageAsApp', 'Grant admin consent', 'Global Reader', 'Upload certificate']) {
    assert.match(await guide.textContent(), new RegExp(step), step);
  }
  assert.equal(await guideLink.getAttribute('aria-expanded'), 'true');

  // Connect is marked disabled (aria-disabled) until the form is complete; pressed anyway, it
  // says what is missing beside each field (Playwright needs force to press a disabled button).
  assert.equal(await page.getByRole('button', { name: 'Connect' }).getAttribute('aria-disabled'), 'true');
  await page.getByRole('button', { name: 'Connect' }).click({ force: true });
  assert.match(await page.locator('#account-name-error').textContent(), /Enter a name/);
  assert.match(await page.locator('#tenant-id-error').textContent(), /Tenant ID/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'account-name', 'focus goes to the first problem');

  await fillForm(page, { name: 'Contoso production', tenant: `  ${TENANT} ` });
  await page.getByLabel('Organization Name').blur();
  assert.equal(await page.locator('.field-error:visible').count(), 0, 'the corrected fields are clean');
  // With the Tenant ID and Application ID in, the guide links to the admin consent page for them.
  const consent = new URL(await guide.getByTestId('admin-consent-link').getAttribute('href'));
  assert.equal(consent.pathname, `/${TENANT.toLowerCase()}/adminconsent`);
  assert.match(consent.searchParams.get('client_id'), /^[0-9a-f-]{36}$/);

  // The browser is named before its key is made: prefilled with its kind, system and today's date,
  // and what the person types is the name everyone sees beside this key.
  const browserName = page.getByRole('textbox', { name: 'Name this browser' });
  assert.match(await browserName.inputValue(), /^Chromium on Linux, \d{1,2} [A-Z][a-z]{2}$/);
  await browserName.fill("Chromium on Ada's desk");

  const { file, pem, cert } = await generate(page);
  assert.equal(file, 'Contoso production.cer');
  assert.match(cert.subject, /CN=Xops - Contoso production/);
  assert.equal(cert.issuer, cert.subject, 'self-signed');
  assert.ok(cert.verify(cert.publicKey), 'signed by its own key');
  assert.equal(cert.publicKey.asymmetricKeyType, 'rsa');
  assert.equal(cert.publicKey.asymmetricKeyDetails.modulusLength, 2048);
  const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
  assert.equal(days, 365);
  assert.ok(Math.abs(Date.parse(cert.validFrom) - Date.now()) < 120_000, 'valid from now');
  assert.equal(await page.getByTestId('sha1-thumbprint').textContent(), thumbprintOf(cert));
  assert.match(await page.getByRole('status').filter({ hasText: 'downloaded' }).textContent(), /Contoso production\.cer/);
  assert.ok(await page.getByRole('button', { name: 'Download certificate again' }).isVisible());

  // Off to the Azure portal in this tab and back: the draft, the certificate and its key are still here.
  await page.goto('about:blank');
  await page.goBack();
  await page.reload();
  await page.getByTestId('sha1-thumbprint').waitFor();
  assert.equal(await page.getByLabel('Microsoft Account Name').inputValue(), 'Contoso production');
  assert.equal(await page.getByLabel('Tenant ID').inputValue(), `  ${TENANT} `);
  assert.equal(await browserName.inputValue(), "Chromium on Ada's desk");
  assert.equal(await page.getByTestId('sha1-thumbprint').textContent(), thumbprintOf(cert));
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download certificate again' }).click()]);
  assert.equal(readFileSync(await again.path(), 'utf8'), pem);

  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  const id = new URL(page.url()).pathname.split('/').pop();
  assert.equal(await h1(page).textContent(), 'Contoso production');
  assert.match(await page.getByRole('status').filter({ hasText: 'account linked' }).textContent(), /Microsoft 365 account linked/);
  await page.getByTestId('key-location').filter({ hasText: 'held by this browser' }).waitFor();
  await synced(page);

  // What the store keeps: the public certificate and its facts, normalised IDs, no key.
  const record = await storedRecord(page, env.store, id);
  assert.equal(record.kind, 'integration');
  assert.equal(record.body.details.tenant_id, TENANT.toLowerCase());
  assert.equal(record.body.certificate.pem.trim(), pem.trim());
  assert.equal(record.body.certificate.sha1_thumbprint, thumbprintOf(cert));
  assert.equal(record.body.certificate.sha256_thumbprint, cert.fingerprint256.replaceAll(':', ''));
  assert.equal(record.body.certificate.not_after, Date.parse(cert.validTo));
  assert.equal(record.body.certificate.key_held_by, "Chromium on Ada's desk");

  // The key is in IndexedDB under the account's id, cannot be exported, and signs for this certificate.
  const key = await storedKey(page, me.organization.id, id);
  assert.deepEqual({ ...key, signature: undefined },
    { type: 'private', extractable: false, exportable: false, algorithm: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, signature: undefined });
  assert.ok(signedBy(key, cert));
  assert.doesNotMatch(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)), /PRIVATE|"d":/);

  // Integrations lists it, with its certificate's days left and a status it has earned (none yet:
  // it was never tested); the card counts it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  const row = page.getByRole('row', { name: /Contoso production/ });
  assert.match(await row.textContent(), /Microsoft 365.*contoso\.onmicrosoft\.com.*Not tested yet.*365 days left/);
  assert.doesNotMatch(await row.textContent(), /Connected/);
  assert.match(await page.getByRole('button', { name: /^Microsoft/ }).textContent(), /1 account linked/);

  // Sign out and in: straight to Home now.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(env.store.url + '/login');
  await page.getByLabel('Email').fill(me.user.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(env.store.url + '/');
  assert.equal(await h1(page).textContent(), 'Home');

  assertNoKeyMaterial(requests);
  assert.ok(requests.some((r) => r.includes('BEGIN CERTIFICATE')), 'the check saw the certificate being sent');
  assert.deepEqual(problems, []);
  await context.close();
});

test('bad values get a message beside their field when the person leaves it, and nothing typed is lost', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, crypto.randomUUID(), 'Fabrikam');
  await page.goto(env.store.url + '/integrations/microsoft/m365/new');

  const cases = [
    ['Microsoft Account Name', 'account-name', 'x'.repeat(65), /at most 64 characters/],
    ['Microsoft Account Name', 'account-name', ' FABRIKAM ', /already called "FABRIKAM"/],
    ['Tenant ID', 'tenant-id', 'not-a-guid', /Tenant ID must be a GUID/],
    ['Application ID', 'application-id', '1234', /Application ID must be a GUID/],
    ['Organization Name', 'organization-name', 'contoso', /domain/i],
  ];
  await synced(page); // the names already taken are known once the records are here
  for (const [label, id, value, message] of cases) {
    const input = page.getByLabel(label);
    await input.fill(value);
    await input.blur();
    await page.locator(`#${id}-error`).filter({ hasText: message }).waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), 'true', label);
    assert.match(await input.getAttribute('aria-describedby'), new RegExp(`${id}-error`), label);
    assert.equal(await input.inputValue(), value, 'what was typed stays');
  }

  // Generate needs a usable name (the certificate and its file are named after it).
  await page.getByRole('button', { name: 'Generate Public Key' }).click();
  assert.match(await page.getByRole('alert').filter({ hasText: 'Microsoft Account Name first' }).textContent(), /named after it/);

  // Valid fields but no certificate: Connect says to generate one, and keeps everything.
  await fillForm(page, { name: 'Contoso' });
  assert.equal(await page.getByRole('button', { name: 'Connect' }).getAttribute('aria-disabled'), 'true');
  await page.getByRole('button', { name: 'Connect' }).click({ force: true });
  assert.match(await page.getByRole('alert').filter({ hasText: 'Generate the certificate first' }).textContent(), /upload it/);
  assert.equal(await page.getByLabel('Microsoft Account Name').inputValue(), 'Contoso');
  assert.equal(page.url(), env.store.url + '/integrations/microsoft/m365/new');

  // A two-year certificate when asked for.
  await page.getByLabel('Certificate validity').selectOption({ label: '2 years' });
  const { cert } = await generate(page);
  assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY, 730);
  assert.equal(await page.getByRole('button', { name: 'Connect' }).getAttribute('aria-disabled'), 'false');

  // Left half-way, the link waits on Integrations: continue it, or start over.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  const unfinished = page.getByRole('region', { name: 'Unfinished link' });
  assert.match(await unfinished.textContent(), /“Contoso”, with its certificate made/);
  await unfinished.getByRole('link', { name: 'Continue linking “Contoso”' }).click();
  await page.getByTestId('sha1-thumbprint').waitFor();
  assert.equal(await page.getByLabel('Microsoft Account Name').inputValue(), 'Contoso');
  // Start over asks first, and says the key pair goes; keeping the work keeps everything.
  await page.getByRole('button', { name: 'Start over' }).click();
  const question = page.getByRole('alertdialog');
  await question.getByText('this browser deletes the key pair made for it').waitFor();
  await question.getByRole('button', { name: 'Keep my work' }).click();
  await question.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Microsoft Account Name').inputValue(), 'Contoso');
  await page.getByTestId('sha1-thumbprint').waitFor();
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, start over' }).click();
  await page.getByTestId('sha1-thumbprint').waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Microsoft Account Name').inputValue(), '');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'account-name');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  await page.getByTestId('no-unfinished-link').waitFor({ state: 'attached' });
  assert.equal(await unfinished.count(), 0, 'nothing unfinished after starting over');
  assert.deepEqual(problems, []);
  await context.close();
});

test('rename, replace the certificate (the old key goes), and disconnect (the key goes too)', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const requests = recordRequests(page);
  const me = await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, crypto.randomUUID(), 'Fabrikam');
  const first = await linkThroughForm(page, 'Northwind');
  const { id } = first;
  await synced(page);

  // Every detail can be copied.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.store.url });
  await page.getByRole('button', { name: 'Copy Tenant ID' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), TENANT.toLowerCase());
  for (const what of ['Microsoft Account Name', 'Application ID', 'Organization Name', 'thumbprint']) {
    assert.ok(await page.getByRole('button', { name: `Copy ${what}` }).isVisible(), what);
  }

  // Rename: not to another account's name; then to a free one.
  const nameField = page.getByRole('region', { name: 'Rename' }).getByLabel('Microsoft Account Name');
  await nameField.fill('fabrikam');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  assert.match(await page.locator('#account-name-error').textContent(), /already called/);
  await nameField.fill('Northwind EU');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Renamed.' }).waitFor();
  assert.equal(await h1(page).textContent(), 'Northwind EU');
  await synced(page);
  assert.equal((await storedRecord(page, env.store, id)).body.name, 'Northwind EU');

  // Replace: a new certificate downloads; the record keeps the old one until the upload is confirmed.
  await disclose(page, 'Replace certificate');
  await page.getByRole('group', { name: 'Replace certificate' }).getByLabel('Key size').selectOption({ label: 'RSA 3072 bits' });
  const replaced = await generate(page, 'Replace certificate');
  assert.equal(replaced.file, 'Northwind EU.cer');
  assert.equal(replaced.cert.publicKey.asymmetricKeyDetails.modulusLength, 3072, 'the chosen key size');
  assert.notEqual(thumbprintOf(replaced.cert), thumbprintOf(first.cert));
  assert.equal((await storedRecord(page, env.store, id)).body.certificate.sha1_thumbprint, thumbprintOf(first.cert));
  assert.ok(signedBy(await storedKey(page, me.organization.id, id), first.cert), 'the current key still works meanwhile');
  // A reload on the way keeps the waiting replacement.
  await page.reload();
  await page.getByRole('button', { name: 'I have uploaded the new certificate' }).click();
  await page.getByRole('status').filter({ hasText: 'Certificate replaced' }).waitFor();
  await synced(page);
  const record = await storedRecord(page, env.store, id);
  assert.equal(record.body.certificate.sha1_thumbprint, thumbprintOf(replaced.cert));
  const key = await storedKey(page, me.organization.id, id);
  assert.ok(signedBy(key, replaced.cert), 'the key under the account is the new one');
  assert.ok(!signedBy(key, first.cert), 'and the old one is gone');
  assert.equal(await storedKey(page, me.organization.id, `${id}/next`), null);
  assert.equal(await page.getByTestId('sha1-thumbprint').first().textContent(), thumbprintOf(replaced.cert));

  // Disconnect asks first, then removes the record and the key.
  await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, disconnect' }).click();
  await page.waitForURL(env.store.url + '/integrations');
  await synced(page);
  const tombstone = await storedRecord(page, env.store, id);
  assert.equal(tombstone.deleted, true);
  assert.equal(tombstone.body ?? null, null);
  assert.equal(await storedKey(page, me.organization.id, id), null);
  assert.equal(await page.getByRole('row', { name: /Northwind/ }).count(), 0);

  assertNoKeyMaterial(requests);
  assert.deepEqual(problems, []);
  await context.close();
});
