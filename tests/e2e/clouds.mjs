// AWS and Azure steps the end-to-end tests share: fill a link form and connect.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { XOPS_AWS_ACCOUNT } from './harness.mjs';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const APP = '11111111-2222-3333-4444-555555555555';
export const ARN = 'arn:aws:iam::123456789012:role/XopsReadOnly';
const h1 = (page) => page.getByRole('heading', { level: 1 });

export async function downloadOf(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return { file: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

/** Fills and connects the AWS form (the page is on it); returns the new account's id and External ID. */
export async function linkAws(page, { name, arn = ARN, type = 'Management Account' }) {
  assert.equal(await h1(page).textContent(), 'Link a New AWS Account');
  // (The page makes it while it opens.)
  await page.getByTestId('external-id').filter({ hasText: /^[0-9a-f]{48}$/ }).waitFor();
  const externalId = await page.getByTestId('external-id').textContent();
  assert.match(externalId, /^[0-9a-f]{48}$/, 'a fresh External ID of 48 hex digits');
  await page.getByTestId('xops-account').filter({ hasText: XOPS_AWS_ACCOUNT }).waitFor();
  await page.getByRole('radio', { name: type }).check();
  await page.getByRole('textbox', { name: 'AWS Account Name' }).fill(name);
  await page.getByRole('textbox', { name: 'AWS Role ARN' }).fill(arn);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  return { id: new URL(page.url()).pathname.split('/').pop(), externalId };
}

/** Fills the Azure form, generates the certificate and connects; returns the id and the certificate. */
export async function linkAzure(page, { name, scope, tenant = TENANT }) {
  assert.equal(await h1(page).textContent(), 'Link a New Azure Account');
  await page.getByRole('textbox', { name: 'Azure Account Name' }).fill(name);
  await page.getByRole('textbox', { name: 'Tenant ID' }).fill(tenant);
  await page.getByRole('textbox', { name: 'Application ID' }).fill(APP);
  if (scope.subscription) {
    await page.getByRole('radio', { name: 'Subscription' }).check();
    await page.getByRole('textbox', { name: 'Subscription ID' }).fill(scope.subscription);
  } else {
    await page.getByRole('radio', { name: 'Management group' }).check();
    await page.getByRole('textbox', { name: 'Management group ID' }).fill(scope.managementGroup);
  }
  const { file, text } = await downloadOf(page, 'Generate Public Key');
  assert.equal(file, `${name}.cer`);
  const cert = new X509Certificate(text);
  assert.equal(cert.publicKey.asymmetricKeyDetails.modulusLength, 2048);
  assert.equal(await page.getByTestId('sha1-thumbprint').textContent(), cert.fingerprint.replaceAll(':', ''));
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\?linked=1$/);
  return { id: new URL(page.url()).pathname.split('/').pop(), cert };
}
