// "Test connection" end to end: the browser signs client assertions with its non-extractable
// key, the real store relays them to a fake Microsoft identity platform and Graph (fake-entra.mjs),
// and the page shows the checklist, which is kept on the record.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { newPage, signUpViaApi, storedRecord } from './harness.mjs';
import { linkM365, synced, testConnection, useMicrosoft } from './microsoft.mjs';

const APP = '11111111-2222-3333-4444-555555555555';
const env = useMicrosoft({ before, after });

let tenants = 0;
/** A tenant of the fake with its domains; returns its id. */
function tenant(domains = ['contoso.com', 'contoso.onmicrosoft.com'], displayName = 'Contoso Ltd') {
  tenants += 1;
  const id = `${String(tenants).padStart(8, '0')}-aaaa-4bbb-8ccc-000000000000`;
  env.entra.addTenant(id, { displayName, domains });
  return id;
}

function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData() ?? '' }));
  return seen;
}

test('success: credentials, organization and Exchange.ManageAsApp check out, offered right after Connect and kept on the record', async () => {
  const { page, context, problems } = await newPage(env.browser);
  const requests = recordRequests(page);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  const { id, pem } = await linkM365(page, env.store.url, { appId: APP, tenantId });
  env.entra.addApp(tenantId, APP, { certificates: [pem] }); // the person uploads the certificate
  const cert = new X509Certificate(pem);

  const fromBanner = page.getByRole('status').filter({ hasText: 'account linked' }).getByRole('button', { name: 'Test connection' });
  const checks = await testConnection(page, fromBanner);
  assert.deepEqual(Object.keys(checks), ['Credentials accepted', 'Organization matches', 'Admin consent granted', 'Exchange.ManageAsApp granted']);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `${title}: ${c.text}`);
  assert.match(checks['Organization matches'].text, /Contoso Ltd.*contoso\.onmicrosoft\.com is one of its verified domains/);
  assert.match(await page.getByTestId('test-result').textContent(), /Everything checked out\. Last tested .*tenant “Contoso Ltd”/);

  // What reached the identity platform: one assertion per token, each in Microsoft's format.
  const forms = env.entra.requests.filter((r) => r.client_id === APP).slice(-2);
  assert.deepEqual(forms.map((f) => f.scope), ['https://graph.microsoft.com/.default', 'https://outlook.office365.com/.default']);
  for (const f of forms) {
    const [h, p] = f.client_assertion.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url')));
    assert.deepEqual(h, { alg: 'RS256', typ: 'JWT', x5t: Buffer.from(cert.fingerprint.replaceAll(':', ''), 'hex').toString('base64url') });
    assert.equal(p.aud, `${env.entra.url}/${tenantId}/oauth2/v2.0/token`);
    assert.equal(p.iss, APP);
    assert.equal(p.sub, APP);
    assert.equal(p.exp - p.nbf, 300);
    assert.match(p.jti, /^[0-9a-f-]{36}$/);
  }
  assert.notEqual(forms[0].client_assertion, forms[1].client_assertion);

  // Kept on the record, and shown again after a reload.
  await synced(page);
  const record = await storedRecord(page, env.store, id);
  assert.equal(record.body.last_test.checks.length, 4);
  assert.ok(record.body.last_test.checks.every((c) => c.ok));
  assert.deepEqual(record.body.last_test.roles, ['Exchange.ManageAsApp']);
  await page.reload();
  await page.getByTestId('test-result').filter({ hasText: 'Everything checked out' }).waitFor();

  // The store kept no assertion and no token: not in its log (at trace level), not in its database.
  const secrets = [...forms.map((f) => f.client_assertion), ...env.entra.tokens()];
  assert.ok(secrets.length >= 4);
  const database = readdirSync(env.store.dir).map((f) => readFileSync(path.join(env.store.dir, f)).toString('latin1')).join('');
  assert.ok(database.includes(id), 'the database files were read');
  assert.ok(env.store.logs().length > 0, 'the log was read');
  for (const secret of secrets) {
    // A JWT's signature alone is unique to it; tokens are compared whole.
    const needle = secret.split('.').pop();
    assert.ok(!env.store.logs().includes(needle), 'an assertion or token is in the store log');
    assert.ok(!database.includes(needle), 'an assertion or token is in the database');
  }

  // No private key material in anything the page sent; assertions went only to our store.
  for (const r of requests) {
    assert.doesNotMatch(r.body, /PRIVATE KEY|"d"\s*:/, r.url);
    assert.ok(!r.url.startsWith(env.entra.url), 'the browser never calls Microsoft directly');
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('the certificate not uploaded, a wrong tenant, and missing consent each get a sentence and a fix', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);

  const notUploaded = tenant();
  env.entra.addApp(notUploaded, APP, { certificates: [] });
  await linkM365(page, env.store.url, { appId: APP, tenantId: notUploaded, name: 'No certificate' });
  let checks = await testConnection(page);
  assert.equal(checks['Credentials accepted'].ok, false);
  assert.match(checks['Credentials accepted'].text, /did not accept the certificate.*Fix: Upload the certificate shown on this page/);
  assert.match(checks['Credentials accepted'].text, /Credentials accepted: failed/);
  // What could not run is shown as not checked (a dash, and said so to screen readers), not as failed.
  assert.match(checks['Organization matches'].text, /Organization matches: not checked.*Not checked: the credentials were refused/);
  assert.match(await page.getByTestId('test-result').textContent(), /Something needs fixing/);

  await linkM365(page, env.store.url, { appId: APP, tenantId: '99999999-9999-4999-8999-999999999999', name: 'Wrong tenant' });
  checks = await testConnection(page);
  assert.match(checks['Credentials accepted'].text, /did not find tenant 99999999-9999-4999-8999-999999999999.*Fix: Check the Tenant ID/);

  const noConsent = tenant();
  const { pem } = await linkM365(page, env.store.url, { appId: APP, tenantId: noConsent, name: 'No consent' });
  env.entra.addApp(noConsent, APP, { certificates: [pem], consent: false, exchangeRole: false });
  checks = await testConnection(page);
  assert.equal(checks['Credentials accepted'].ok, true);
  const consentUrl = `${env.entra.url}/${noConsent}/adminconsent?client_id=${APP}`;
  assert.match(checks['Organization matches'].text, /lacks the Global Reader role or admin consent.*Fix: Assign the app the Global Reader role/);
  assert.equal(checks['Admin consent granted'].ok, false);
  assert.match(checks['Admin consent granted'].text, /No administrator has granted the app's permissions.*Fix: Sign in as an administrator of the tenant and grant admin consent at/);
  // The fix links to the tenant's admin consent page for this app, prefilled.
  const consentLinks = page.locator('.checklist li').filter({ hasText: 'Admin consent granted' }).getByRole('link', { name: consentUrl });
  assert.equal(await consentLinks.getAttribute('href'), consentUrl);
  assert.match(checks['Exchange.ManageAsApp granted'].text, /not checked.*admin consent is missing/);

  // Consent granted, but not the Exchange role: that line alone fails, and says which roles the app has.
  const noRole = tenant();
  const third = await linkM365(page, env.store.url, { appId: APP, tenantId: noRole, name: 'No role' });
  env.entra.addApp(noRole, APP, { certificates: [third.pem], exchangeRole: false });
  checks = await testConnection(page);
  assert.equal(checks['Admin consent granted'].ok, true);
  assert.match(checks['Exchange.ManageAsApp granted'].text, /does not hold Exchange\.ManageAsApp \(its Exchange roles: full_access_as_app\).*Fix: .*Exchange\.ManageAsApp.*adminconsent/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an organization domain the tenant does not own is flagged, and a replayed assertion is refused', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant(['fabrikam.com', 'fabrikam.onmicrosoft.com'], 'Fabrikam');
  const verifyBodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/verify')) verifyBodies.push(r.postData()); });
  const { id, pem } = await linkM365(page, env.store.url, { appId: APP, tenantId, organization: 'contoso.onmicrosoft.com' });
  env.entra.addApp(tenantId, APP, { certificates: [pem] });
  const checks = await testConnection(page);
  assert.equal(checks['Credentials accepted'].ok, true);
  assert.equal(checks['Organization matches'].ok, false);
  assert.match(checks['Organization matches'].text, /contoso\.onmicrosoft\.com is not one of its verified domains \(fabrikam\.com, fabrikam\.onmicrosoft\.com\)/);

  // The same assertions again (as a thief of the request body would): Entra refuses the jti.
  assert.equal(verifyBodies.length, 1);
  const replay = await page.request.post(`${env.store.url}/api/v1/integrations/${id}/verify`, {
    headers: { origin: env.store.url, 'content-type': 'application/json' }, data: verifyBodies[0],
  });
  assert.equal(replay.status(), 200);
  const result = await replay.json();
  assert.equal(result.checks[0].ok, false);
  assert.match(result.checks[0].detail, /already used/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an Azure account is signed for the same way, and asked of Resource Manager instead of Graph and Exchange', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant(['northwind.com'], 'Northwind');
  const subscription = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
  env.entra.addSubscription(tenantId, subscription, { displayName: 'Northwind prod', roles: { [APP]: 'Reader' } });
  await page.goto(env.store.url + '/integrations/azure/new');
  await page.getByRole('textbox', { name: 'Azure Account Name' }).fill('Northwind Azure');
  await page.getByRole('textbox', { name: 'Tenant ID' }).fill(tenantId);
  await page.getByRole('textbox', { name: 'Application ID' }).fill(APP);
  await page.getByRole('textbox', { name: 'Subscription ID' }).fill(subscription);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Generate Public Key' }).click()]);
  env.entra.addApp(tenantId, APP, { certificates: [readFileSync(await download.path(), 'utf8')] });
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  await synced(page);
  const checks = await testConnection(page);
  assert.deepEqual(Object.keys(checks), ['Credentials accepted', 'Subscription enabled', 'Read access granted']);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `${title}: ${c.text}`);
  assert.match(checks['Subscription enabled'].text, /“Northwind prod”/);
  const scopes = env.entra.requests.filter((r) => r.client_assertion && r.scope).slice(-1).map((r) => r.scope);
  assert.deepEqual(scopes, ['https://management.azure.com/.default'], 'one assertion, for Resource Manager');
  assert.deepEqual(problems, []);
  await context.close();
});
