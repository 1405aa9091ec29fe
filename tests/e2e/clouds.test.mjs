// Linking AWS and Azure accounts end to end, from the first-login picker and from Integrations,
// against the real store (started with --aws-account-id, see harness.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, startStore, newPage, signUpViaApi, storedRecord, XOPS_AWS_ACCOUNT } from './harness.mjs';
import { downloadOf, linkAws, linkAzure, ARN, TENANT, APP } from './clouds.mjs';

const env = useStoreAndBrowser({ before, after });
const h1 = (page) => page.getByRole('heading', { level: 1 });
const SUBSCRIPTION = '3FA85F64-5717-4562-B3FC-2C963F66AFA6';

const nav = (page) => page.getByRole('navigation', { name: 'Main' });

async function synced(page) {
  await page.getByTestId('sync-status').filter({ hasText: 'Saved' }).waitFor();
}

/** Leaves a field and waits for the message beside it. */
async function leaveWith(page, label, value, id, message) {
  const input = page.getByRole('textbox', { name: label });
  await input.fill(value);
  await input.blur();
  await page.locator(`#${id}-error`).filter({ hasText: message }).waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true', label);
}

test('AWS from the first-login picker: checks, the template, Connect, then Home; the same AWS account cannot be linked twice', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await page.goto(env.store.url + '/');
  await page.waitForURL(env.store.url + '/welcome');
  await page.getByRole('link', { name: /^AWS/ }).click();
  await page.waitForURL(env.store.url + '/integrations/aws/new');
  assert.equal(await h1(page).textContent(), 'Link a New AWS Account');

  await page.getByRole('button', { name: 'Step-by-step setup guide' }).click();
  const guide = page.getByRole('complementary', { name: 'How to connect an AWS account' });
  for (const step of ['CloudFormation', 'External ID', 'ReadOnlyAccess', 'SecurityAudit', 'RoleArn']) {
    assert.match(await guide.textContent(), new RegExp(step), step);
  }

  // The ARN's checks name the wrong part; a good ARN shows its account.
  await leaveWith(page, 'AWS Role ARN', 'arn:aws:iam:us-east-1:123456789012:role/X', 'role-arn', 'no region');
  await leaveWith(page, 'AWS Role ARN', 'arn:aws:iam::12345:role/X', 'role-arn', '12 digits');
  await leaveWith(page, 'AWS Role ARN', 'arn:aws:iam::123456789012:user/X', 'role-arn', 'must be a role');
  await page.getByRole('textbox', { name: 'AWS Role ARN' }).fill(ARN);
  await page.getByText('AWS account ID: 123456789012').waitFor();
  // Connect without an account type or a name says so beside each.
  await page.getByRole('button', { name: 'Connect' }).click({ force: true });
  await page.locator('#account-type-error').filter({ hasText: 'Choose the AWS Account Type' }).waitFor();
  assert.match(await page.locator('#account-name-error').textContent(), /Enter a name/);

  // The template creates the role: trusted by the Xops account, only with this External ID.
  const externalId = await page.getByTestId('external-id').textContent();
  await page.getByLabel('Permissions').selectOption('SecurityAudit');
  const { file, text } = await downloadOf(page, 'Download CloudFormation template');
  assert.equal(file, 'xops-readonly-role.json');
  const template = JSON.parse(text);
  const role = template.Resources.XopsReadOnlyRole;
  assert.equal(role.Type, 'AWS::IAM::Role');
  const statement = role.Properties.AssumeRolePolicyDocument.Statement[0];
  assert.equal(statement.Principal.AWS['Fn::Sub'], `arn:\${AWS::Partition}:iam::${XOPS_AWS_ACCOUNT}:root`);
  assert.equal(statement.Action, 'sts:AssumeRole');
  assert.deepEqual(statement.Condition, { StringEquals: { 'sts:ExternalId': externalId } });
  assert.deepEqual(role.Properties.ManagedPolicyArns, [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/SecurityAudit' }]);
  assert.deepEqual(template.Outputs.RoleArn.Value, { 'Fn::GetAtt': ['XopsReadOnlyRole', 'Arn'] });

  // A reload keeps the External ID (the role may already require it).
  await page.reload();
  await page.getByTestId('external-id').filter({ hasText: externalId }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'AWS Role ARN' }).inputValue(), ARN);

  const { id } = await linkAws(page, { name: 'Payments' });
  assert.equal(await h1(page).textContent(), 'Payments');
  assert.match(await page.getByRole('status').filter({ hasText: 'account linked' }).textContent(), /AWS account linked/);
  const details = await page.locator('dl.details').first().textContent();
  for (const part of ['Management Account', ARN, '123456789012', externalId]) assert.ok(details.includes(part), part);
  assert.equal(await page.getByRole('heading', { name: 'Certificate' }).count(), 0, 'AWS has no certificate');
  // This store has no AWS access of its own to test with: the page says so in a person's words
  // (the settings' names are for the operator's log), and offers no button that would fail.
  const testing = page.getByRole('region', { name: 'Test connection' });
  await testing.getByText('This Xops deployment cannot test AWS accounts yet').waitFor();
  assert.doesNotMatch(await testing.innerText(), /AWS_|--aws|XOPS_|store|credentials/);
  assert.equal(await testing.getByRole('button', { name: 'Test connection' }).count(), 0);
  await synced(page);
  const record = await storedRecord(page, env.store, id);
  assert.deepEqual(record.body.details, { provider: 'aws', account_type: 'management', role_arn: ARN, external_id: externalId });
  assert.equal(record.body.certificate, null);

  // Connected: Home now, with the AWS account counted.
  await nav(page).getByRole('link', { name: 'Home' }).click();
  await page.waitForURL(env.store.url + '/');
  await page.locator('.summary').filter({ hasText: /1\s*AWS/ }).waitFor();

  // From Integrations, the same AWS account again: refused beside the ARN, with a new External ID.
  await nav(page).getByRole('link', { name: 'Integrations' }).click();
  await page.waitForURL(env.store.url + '/integrations');
  await page.getByRole('link', { name: /^AWS/ }).filter({ hasText: '1 account linked' }).waitFor();
  await page.getByRole('link', { name: /^AWS/ }).click();
  await page.waitForURL(env.store.url + '/integrations/aws/new');
  await page.getByTestId('external-id').waitFor();
  assert.notEqual(await page.getByTestId('external-id').textContent(), externalId, 'each connection gets its own External ID');
  await leaveWith(page, 'AWS Role ARN', 'arn:aws:iam::123456789012:role/Another', 'role-arn', '123456789012 is already linked');
  await page.getByRole('radio', { name: 'Linked Account' }).check();
  await page.getByRole('textbox', { name: 'AWS Account Name' }).fill('Payments');
  await page.getByRole('textbox', { name: 'AWS Account Name' }).blur();
  await page.locator('#account-name-error').filter({ hasText: 'already called' }).waitFor();
  const second = await linkAws(page, { name: 'Payments EU', type: 'Linked Account', arn: 'arn:aws-cn:iam::210987654321:role/ops/Xops' });
  assert.notEqual(second.id, id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Azure from Integrations (management group) and from the picker (subscription); both connect and end the picker', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await page.goto(env.store.url + '/integrations');
  await page.getByRole('link', { name: /^Azure/ }).click();
  await page.waitForURL(env.store.url + '/integrations/azure/new');
  await page.getByRole('button', { name: 'Step-by-step setup guide' }).click();
  const guide = page.getByRole('complementary', { name: 'How to connect an Azure account' });
  for (const step of ['Accounts in this organizational directory only', 'Global Reader', 'Reader', 'Key Vault Reader', 'Upload certificate']) {
    assert.match(await guide.textContent(), new RegExp(step), step);
  }

  // The scope: the subscription's field by default, the management group's when chosen.
  assert.ok(await page.getByRole('radio', { name: 'Subscription' }).isChecked());
  await leaveWith(page, 'Subscription ID', 'not-a-guid', 'subscription-id', 'Subscription ID must be a GUID');
  await page.getByRole('radio', { name: 'Management group' }).check();
  assert.equal(await page.getByRole('textbox', { name: 'Subscription ID' }).count(), 0, 'hidden when not chosen');
  await leaveWith(page, 'Management group ID', 'Production EU', 'management-group-id', 'not allowed');

  const { id, cert } = await linkAzure(page, { name: 'Azure production', scope: { managementGroup: 'mg-prod' } });
  assert.equal(await h1(page).textContent(), 'Azure production');
  assert.match(await page.locator('dl.details').first().textContent(), /Management group ID\s*mg-prod/);
  await page.getByTestId('key-location').filter({ hasText: 'held by this browser' }).waitFor();
  // Replace certificate is offered (one line until opened: this browser holds the key, so Renew is the way).
  assert.equal(await page.getByRole('group', { name: 'Replace certificate' }).getByRole('button', { name: 'Replace certificate', includeHidden: true }).count(), 1);
  await synced(page);
  const record = await storedRecord(page, env.store, id);
  assert.deepEqual(record.body.details.scope, { kind: 'management_group', management_group_id: 'mg-prod' });
  assert.equal(record.body.certificate.sha1_thumbprint, cert.fingerprint.replaceAll(':', ''));
  await context.close();

  // A new organization, from the picker: a subscription.
  const second = await newPage(env.browser);
  await signUpViaApi(second.page, env.store);
  await second.page.goto(env.store.url + '/welcome');
  await second.page.getByRole('link', { name: /^Azure/ }).click();
  await second.page.waitForURL(env.store.url + '/integrations/azure/new');
  const { id: subId } = await linkAzure(second.page, { name: 'Azure dev', scope: { subscription: ` ${SUBSCRIPTION} ` } });
  await synced(second.page);
  const sub = await storedRecord(second.page, env.store, subId);
  assert.deepEqual(sub.body.details.scope, { kind: 'subscription', subscription_id: SUBSCRIPTION.toLowerCase() });
  await second.page.goto(env.store.url + '/welcome');
  await second.page.waitForURL(env.store.url + '/');
  await second.page.locator('.summary').filter({ hasText: /1\s*Azure/ }).waitFor();
  assert.deepEqual([...problems, ...second.problems], []);
  await second.context.close();
});

test('without an AWS account set up, the AWS form says so in a customer\'s words, and the operator\'s log says how to turn it on', async () => {
  const store = await startStore({ aws: false });
  try {
    const { page, context, problems } = await newPage(env.browser);
    await signUpViaApi(page, store);
    await page.goto(store.url + '/integrations/aws/new');
    const alert = page.getByRole('alert').filter({ hasText: 'AWS linking is not set up on this Xops yet' });
    await alert.waitFor();
    const text = await alert.textContent();
    assert.match(text, /Ask whoever runs Xops for your company/);
    assert.doesNotMatch(text, /--aws|XOPS_|store/, 'no flags, variables or our own words for the customer');
    assert.equal(await page.getByRole('button', { name: 'Download CloudFormation template' }).isDisabled(), true);
    assert.match(store.logs(), /AWS linking is off.*--aws-account-id/);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await store.stop();
  }
});
