// An organization at its quota: the store refuses the new account with its reason, and the app
// shows that reason to the person instead of losing the change silently.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStore, launchBrowser, newPage, signUpViaApi, connectViaApi, XOPS_AWS_ACCOUNT } from './harness.mjs';

const env = {};
before(async () => {
  env.store = await startStore({ args: ['--max-records-per-org', '1'] });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.store?.stop();
});

test('linking an account over the organization\'s quota shows the store\'s reason', async () => {
  const { page, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, '2b000000-0000-4000-8000-000000000001', 'Contoso production');

  await page.goto(env.store.url + '/integrations/aws/new');
  await page.getByRole('heading', { level: 1, name: 'Link a New AWS Account' }).waitFor();
  await page.getByTestId('xops-account').filter({ hasText: XOPS_AWS_ACCOUNT }).waitFor();
  await page.getByRole('radio', { name: 'Management Account' }).check();
  await page.getByRole('textbox', { name: 'AWS Account Name' }).fill('Payments');
  await page.getByRole('textbox', { name: 'AWS Role ARN' }).fill('arn:aws:iam::123456789012:role/XopsReadOnly');
  await page.getByRole('button', { name: 'Connect' }).click();

  const notice = page.getByRole('alert').filter({ hasText: 'was not saved' });
  await notice.waitFor();
  const text = await notice.textContent();
  assert.match(text, /Your change to “Payments” was not saved/);
  assert.match(text, /limit of 1 linked accounts and records/);
  await context.close();
});
