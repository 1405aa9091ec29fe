// Linked is not the same as working (issue 29), tried as a new user would: an account's status is
// earned from tests, the same words on every screen, for all three clouds, and checked again
// without anyone asking. Against fakes that check what the real services check: Entra, Graph and
// Azure Resource Manager (fake-entra.mjs), and AWS STS with Signature Version 4 (fake-aws.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startStore, launchBrowser, newPage, signUpViaApi, storedRecord, XOPS_AWS_ACCOUNT } from './harness.mjs';
import { startFakeEntra } from './fake-entra.mjs';
import { startFakeSts, OPERATOR } from './fake-aws.mjs';
import { linkM365, synced, testConnection } from './microsoft.mjs';
import { linkAws, linkAzure, APP, ARN } from './clouds.mjs';

/** Seconds between the store's own checks of an AWS account, shortened for these tests. */
const AWS_CHECK_SECS = 3;
const env = {};
before(async () => {
  env.entra = await startFakeEntra();
  env.sts = await startFakeSts({ xopsAccount: XOPS_AWS_ACCOUNT });
  env.store = await startStore({
    args: ['--microsoft-authority', env.entra.url, '--microsoft-graph', env.entra.url, '--azure-resource-manager', env.entra.url,
      '--aws-sts-endpoint', env.sts.url, '--aws-check-interval-secs', String(AWS_CHECK_SECS)],
    env: OPERATOR,
  });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.store?.stop();
  await env.entra?.stop();
  await env.sts?.stop();
});

let tenants = 0;
function tenant(domains = ['contoso.com', 'contoso.onmicrosoft.com']) {
  tenants += 1;
  const id = `${String(tenants).padStart(8, '0')}-bbbb-4ccc-8ddd-000000000000`;
  env.entra.addTenant(id, { displayName: 'Contoso Ltd', domains });
  return id;
}

/** The account page's status line ("Status: Working · checked just now"). */
const statusOf = (page) => page.getByTestId('account-status');
const topBarCount = (page) => page.getByTestId('attention-count');

/** What each screen says of the account named `name`: Integrations' row, Home's list, the top bar. */
async function everyScreen(page, name) {
  await page.goto(env.store.url + '/integrations');
  const row = page.locator('table.accounts tbody tr').filter({ hasText: name });
  await row.waitFor();
  const integrations = await row.locator('td[data-label="Status"]').innerText();
  const integrationsPage = await page.locator('main').innerText();
  await page.goto(env.store.url + '/');
  await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
  const home = await page.getByTestId('needs-attention').innerText();
  const homePage = await page.locator('main').innerText();
  const bar = (await topBarCount(page).count()) ? await topBarCount(page).innerText() : '';
  return { integrations, home, bar, pages: integrationsPage + homePage };
}

test('Microsoft 365: Not tested yet everywhere, then Failing with the fix, then Working with its time; never "Connected"', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  env.entra.addApp(tenantId, APP, { certificates: [] }); // registered; the certificate not uploaded yet
  const { id, pem } = await linkM365(page, env.store.url, { tenantId, appId: APP });

  // Linked: the next step is said on the page, with how, and nothing claims it works.
  await statusOf(page).getByText('Not tested yet').waitFor();
  assert.match(await statusOf(page).innerText(), /Upload the certificate in Entra, then Test connection\./);
  const banner = page.getByRole('status').filter({ hasText: 'account linked' });
  assert.match(await banner.innerText(), /Next: upload the certificate in Entra, then test the connection/);
  await banner.getByText('How to upload the certificate').click();
  assert.match(await banner.innerText(), /Certificates & secrets.*Upload certificate/s);
  await topBarCount(page).filter({ hasText: '1 account needs attention' }).waitFor();
  let seen = await everyScreen(page, 'Contoso');
  assert.match(seen.integrations, /Not tested yet/);
  assert.match(seen.home, /Needs attention \(1\)[\s\S]*Contoso \(Microsoft 365\): Not tested yet[\s\S]*Upload the certificate in Entra/);
  assert.equal(seen.bar, '1 account needs attention');
  assert.doesNotMatch(seen.pages, /Connected/);

  // The first test, before the upload: Failing, with the fix, and the hint that Entra can be slow.
  await page.goto(`${env.store.url}/integrations/${id}?linked=1`);
  const checks = await testConnection(page);
  assert.equal(checks['Credentials accepted'].ok, false);
  await statusOf(page).getByText('Failing').waitFor();
  assert.match(await statusOf(page).innerText(), /Credentials accepted: Upload the certificate shown on this page/);
  assert.equal(await page.getByRole('status').filter({ hasText: 'account linked' }).count(), 0, 'the linked banner goes once a test has a result');
  const settling = page.getByTestId('upload-settling');
  assert.match(await settling.innerText(), /Entra can take a few minutes after an upload/);
  await synced(page);
  assert.equal((await storedRecord(page, env.store, id)).body.last_test.checks[0].ok, false, 'the store kept the result');
  seen = await everyScreen(page, 'Contoso');
  assert.match(seen.integrations, /Failing/);
  assert.match(seen.home, /Contoso \(Microsoft 365\): Failing[\s\S]*Credentials accepted: Upload the certificate/);
  assert.equal(seen.bar, '1 account needs attention');

  // Uploaded now: Try again, and it works, with when.
  env.entra.uploadCertificate(tenantId, APP, pem);
  await page.goto(`${env.store.url}/integrations/${id}`);
  const answered = page.waitForResponse((r) => /\/verify$/.test(r.url()));
  await page.getByTestId('upload-settling').getByRole('button', { name: 'Try again' }).click();
  await answered;
  await statusOf(page).getByText('Working').waitFor();
  await statusOf(page).getByText('checked just now').waitFor();
  // The account's History follows, on the page as it is: the tests, then a rename.
  const history = page.getByRole('region', { name: 'History' });
  await history.getByText('(passed)').waitFor();
  assert.match(await history.innerText(), /tested a connection Contoso \(failed: Credentials accepted\)/);
  const rename = page.getByRole('region', { name: 'Rename' });
  await rename.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('Contoso EU');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await history.getByText('(Contoso → Contoso EU)').waitFor();
  await statusOf(page).getByText('Working').waitFor();
  seen = await everyScreen(page, 'Contoso EU');
  assert.match(seen.integrations, /Working · checked just now/);
  assert.match(seen.home, /Nothing needs attention: every linked account passed its last test/);
  assert.equal(seen.bar, '', 'the top bar counts nothing');
  assert.doesNotMatch(seen.pages, /Connected/);

  assert.deepEqual(problems, []);
  await context.close();
});

test('a passing test 25 hours old is tested again within 30 s of opening the app in the browser that holds the key', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  const { id, pem } = await linkM365(page, env.store.url, { tenantId, appId: APP });
  env.entra.addApp(tenantId, APP, { certificates: [pem] });
  await testConnection(page);
  await statusOf(page).getByText('Working').waitFor();
  await page.close();

  // A day and an hour pass (for this account): its last test is moved back in the store itself.
  const old = Date.now() - 25 * 3_600_000;
  const sql = `BEGIN IMMEDIATE;
    UPDATE organizations SET revision = revision + 1 WHERE id = (SELECT organization_id FROM records WHERE id = '${id}');
    UPDATE records SET body = json_set(body, '$.last_test.at', ${old}),
      revision = (SELECT revision FROM organizations WHERE organizations.id = records.organization_id) WHERE id = '${id}';
    COMMIT;`;
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(env.store.dir, 'store.sqlite3'), sql]);
  const tokensBefore = env.entra.requests.filter((r) => r.client_id === APP).length;

  const opened = Date.now();
  const again = await context.newPage();
  await again.goto(`${env.store.url}/integrations/${id}`);
  while (env.entra.requests.filter((r) => r.client_id === APP).length === tokensBefore) {
    assert.ok(Date.now() - opened < 30_000, 'not tested again within 30 s of opening the app');
    await new Promise((r) => setTimeout(r, 100));
  }
  const took = Date.now() - opened;
  await statusOf(again).getByText('checked just now').waitFor();
  const record = await storedRecord(again, env.store, id);
  assert.ok(record.body.last_test.at > opened && record.body.last_test.automatic, 'kept, marked automatic');
  console.log(`# tested again ${took} ms after the app was opened`);
  // Working before and after: nothing for the activity log.
  const log = await (await again.request.get(`${env.store.url}/api/v1/activity?account=${id}`)).json();
  assert.equal(log.entries.filter((e) => e.kind === 'status_changed').length, 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Azure: a subscription Resource Manager does not show the app fails with a fix naming it; once the app reads it, it works', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  const tenantId = tenant();
  const subscription = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
  await page.goto(env.store.url + '/integrations/azure/new');
  const { id, cert } = await linkAzure(page, { name: 'Azure prod', scope: { subscription }, tenant: tenantId });
  env.entra.addApp(tenantId, APP, { certificates: [cert.toString()] });
  await synced(page);

  let checks = await testConnection(page);
  assert.deepEqual(Object.keys(checks), ['Credentials accepted', 'Subscription enabled', 'Read access granted']);
  assert.equal(checks['Credentials accepted'].ok, true);
  assert.equal(checks['Subscription enabled'].ok, false);
  assert.match(checks['Subscription enabled'].text, new RegExp(`Fix: Check that subscription ${subscription} is the right ID[\\s\\S]*Reader`));
  await statusOf(page).getByText('Failing').waitFor();
  const arm = env.entra.requests.filter((r) => r.client_id === APP).at(-1);
  assert.equal(arm.scope, 'https://management.azure.com/.default', 'signed for Resource Manager');

  env.entra.addSubscription(tenantId, subscription, { displayName: 'Production', roles: { [APP]: 'Reader' } });
  checks = await testConnection(page);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `${title}: ${c.text}`);
  await statusOf(page).getByText('Working').waitFor();
  assert.match(await page.getByTestId('test-result').innerText(), /Everything checked out\. Last tested .*\(“Production”\)/);
  const record = await storedRecord(page, env.store, id);
  assert.ok(record.body.last_test.checks.every((c) => c.ok));
  assert.deepEqual(problems, []);
  await context.close();
});

test('AWS: linked through the form and tested through STS; when the role stops trusting Xops, the store\'s own check finds it with no browser open', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store, { organization: 'Contoso Payments' });
  await page.goto(env.store.url + '/integrations/aws/new');
  const { id, externalId } = await linkAws(page, { name: 'Payments' });
  env.sts.addRole(ARN, externalId); // the person created the role with the template
  await synced(page);
  await statusOf(page).getByText('Not tested yet').waitFor();

  const checks = await testConnection(page);
  assert.deepEqual(Object.keys(checks), ['Role assumed', 'Account matches']);
  for (const [title, c] of Object.entries(checks)) assert.ok(c.ok, `${title}: ${c.text}`);
  await statusOf(page).getByText('Working').waitFor();
  // What STS saw: a signed AssumeRole of this role with this External ID, in a session naming
  // the organization, then the role's own signed GetCallerIdentity.
  const assumed = env.sts.requests.filter((r) => r.action === 'AssumeRole' && r.params.RoleArn === ARN);
  assert.equal(assumed.at(-1).outcome, 'ok');
  assert.equal(assumed.at(-1).params.ExternalId, externalId);
  assert.equal(assumed.at(-1).keyId, OPERATOR.AWS_ACCESS_KEY_ID);
  assert.match(assumed.at(-1).params.RoleSessionName, /^xops-Contoso-Payments-/);
  assert.ok(env.sts.requests.some((r) => r.action === 'GetCallerIdentity' && r.outcome === 'ok' && r.keyId.startsWith('ASIA')));
  assert.ok(env.sts.requests.every((r) => !['SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidClientTokenId'].includes(r.outcome)));
  await page.close();

  // The customer edits the trust policy; nobody has Xops open.
  const logged = async () => (await (await context.request.get(`${env.store.url}/api/v1/activity?account=${id}`)).json()).entries;
  const before = (await logged()).length;
  env.sts.trust(ARN, false);
  const refusedAt = Date.now();
  for (let waited = 0; ; waited += 250) {
    const record = await storedRecord(context, env.store, id);
    if (record.body.last_test && !record.body.last_test.checks[0].ok) break;
    assert.ok(waited < 20_000, 'the scheduled check did not find the refusal within 20 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(env.sts.requests.some((r) => r.params.RoleArn === ARN && r.outcome === 'AccessDenied'), 'STS refused the store itself');
  assert.ok(Date.now() - refusedAt < 20_000);
  // The schedule's earlier passing checks (every few seconds here) logged nothing; this one did.
  const since = (await logged()).slice(0, -before || undefined);
  const automatic = since.filter((e) => e.kind === 'status_changed');
  assert.equal(automatic.length, 1, 'one automatic entry, for the change');
  assert.equal(automatic[0].actor, null);
  assert.equal(automatic[0].actor_email, 'Xops (scheduled check)');
  assert.equal(automatic[0].detail, 'Working → Failing: Role assumed');

  const later = await context.newPage();
  await later.goto(`${env.store.url}/integrations/${id}`);
  await statusOf(later).getByText('Failing').waitFor();
  assert.match(await statusOf(later).innerText(), new RegExp(`Role assumed: In AWS account 123456789012[\\s\\S]*${XOPS_AWS_ACCOUNT}[\\s\\S]*${externalId}`));
  await later.getByRole('region', { name: 'History' }).getByText('found a status change in an automatic check').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
