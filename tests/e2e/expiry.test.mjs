// Certificates that never surprise anyone (issue 14, part 1): each account shows how close its
// certificate is to its end, counted from the certificate itself; Integrations lists the urgent
// ones first, Home's Needs attention lists them with a link to each (with the accounts not tested
// yet: neither account here was ever tested), and the account page says what stops working and
// what to do. The page's clock is moved (the store's is not) to see each
// state of one real certificate (the store checks its facts against the PEM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { useStoreAndBrowser, newPage, signUpViaApi, m365Body } from './harness.mjs';

const env = useStoreAndBrowser({ before, after });
const DAY = 86_400_000;

/** The store tests' RSA 2048 certificate, described as the app describes one it made. */
function certificate() {
  const x = new X509Certificate(readFileSync(new URL('../../crates/store/tests/fixtures/rsa2048.cer', import.meta.url)));
  const hex = (fingerprint) => fingerprint.replaceAll(':', '');
  return {
    pem: x.toString(), sha1_thumbprint: hex(x.fingerprint), sha256_thumbprint: hex(x.fingerprint256),
    not_before: Date.parse(x.validFrom), not_after: Date.parse(x.validTo), key_held_by: 'Chromium on Linux',
  };
}

async function link(page, id, body) {
  const res = await page.request.put(`${env.store.url}/api/v1/records/${id}`, {
    headers: { origin: env.store.url, 'if-none-match': '*' }, data: { kind: 'integration', body },
  });
  assert.equal(res.status(), 201, await res.text());
}

test('a certificate near its end is marked, listed first, counted on Home and explained on its page', async () => {
  const { page, problems, context } = await newPage(env.browser);
  const cert = certificate();
  await signUpViaApi(page, env.store);
  await link(page, '0000000a-0000-4000-8000-000000000000', m365Body('Alpha (no certificate)'));
  await link(page, '0000000b-0000-4000-8000-000000000000', { ...m365Body('Zulu M365'), certificate: cert });

  const home = async () => {
    await page.goto(env.store.url + '/');
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor();
  };
  const firstRow = async () => {
    await page.goto(env.store.url + '/integrations');
    const rows = page.locator('table.accounts tbody tr');
    await rows.nth(1).waitFor();
    return rows.first().innerText();
  };

  // 10 days before its end: renew it now.
  await page.clock.setFixedTime(cert.not_after - 10 * DAY + 60_000);
  await home();
  const attention = page.getByTestId('needs-attention');
  await attention.getByRole('heading', { name: 'Needs attention (2)' }).waitFor();
  const items = attention.getByTestId('attention-item');
  assert.match(await items.first().innerText(), /^Zulu M365 \(Microsoft 365\): Not tested yet · certificate: 10 days left: renew it now/, 'the certificate ending soon first');
  assert.match(await items.nth(1).innerText(), /^Alpha \(no certificate\)/);
  let row = await firstRow();
  assert.match(row, /^Zulu M365/, `the urgent account comes first, before Alpha: ${row}`);
  assert.match(row, /10 days left: renew it now/);
  await page.getByRole('link', { name: 'Zulu M365' }).click();
  await page.getByRole('heading', { level: 1, name: 'Zulu M365' }).waitFor();
  const advice = await page.getByTestId('expiry-advice').innerText();
  assert.match(advice, /Test connection fails/);
  assert.match(advice, /Renew it below before then.*Or replace it by hand/);
  // The end date is the certificate's own, in the person's locale.
  const ends = new Date(cert.not_after).toLocaleDateString('en-US', { day: 'numeric', month: 'short', year: 'numeric' });
  assert.ok((await page.locator('.certificate-facts').innerText()).includes(ends), `shows ${ends}`);

  // 40 days before: plan the renewal.
  await page.clock.setFixedTime(cert.not_after - 40 * DAY + 60_000);
  row = await firstRow();
  assert.match(row, /^Zulu M365[\s\S]*40 days left: renew it before then/);

  // 3 days after: expired, and the page says what that means.
  await page.clock.setFixedTime(cert.not_after + 3 * DAY + 60_000);
  await home();
  assert.match(await page.getByTestId('attention-item').first().innerText(), /^Zulu M365 \(Microsoft 365\): Certificate expired · ended 3 days ago\s+Replace the certificate/);
  await page.getByTestId('needs-attention').getByRole('link', { name: 'Zulu M365' }).click();
  assert.match(await page.getByTestId('expiry-advice').innerText(), /has ended/);
  await page.getByTestId('account-status').getByText('Certificate expired').waitFor();

  // 100 days before: no certificate needs attention (both accounts still wait for a first
  // test); Integrations is by name again.
  await page.clock.setFixedTime(cert.not_after - 100 * DAY);
  await home();
  assert.doesNotMatch(await page.getByTestId('needs-attention').innerText(), /certificate:|expired/);
  row = await firstRow();
  assert.match(row, /^Alpha/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('with many accounts, Integrations shows fifty at a time, the one needing attention first', async () => {
  const { page, problems, context } = await newPage(env.browser);
  const cert = certificate();
  await signUpViaApi(page, env.store);
  const names = Array.from({ length: 120 }, (_, i) => `Account ${String(i).padStart(3, '0')}`);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      await link(page, `${String(i).padStart(8, '0')}-0000-4000-8000-00000000000c`, m365Body(names[i]));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await link(page, '0000000b-0000-4000-8000-000000000000', { ...m365Body('Zulu M365'), certificate: cert });
  await page.clock.setFixedTime(cert.not_after - 10 * DAY + 60_000);

  await page.goto(env.store.url + '/integrations');
  await page.getByText('121 accounts linked').waitFor();
  const rows = page.locator('table.accounts tbody tr');
  const pager = page.getByRole('navigation', { name: 'Pages of linked accounts' });
  await pager.getByText('Accounts 1–50 of 121').waitFor();
  assert.equal(await rows.count(), 50);
  assert.match(await rows.first().innerText(), /^Zulu M365[\s\S]*10 days left: renew it now/);
  assert.match(await rows.nth(1).innerText(), /^Account 000/);
  assert.ok(await pager.getByRole('button', { name: 'Previous' }).isDisabled());

  await pager.getByRole('button', { name: 'Next' }).click();
  await pager.getByText('Accounts 51–100 of 121').waitFor();
  assert.match(await rows.first().innerText(), /^Account 049/);
  await pager.getByRole('button', { name: 'Next' }).click();
  await pager.getByText('Accounts 101–121 of 121').waitFor();
  assert.equal(await rows.count(), 21);
  assert.match(await rows.last().innerText(), /^Account 119/);
  assert.ok(await pager.getByRole('button', { name: 'Next' }).isDisabled());
  // The keyboard's place is not lost when Next goes grey: it is on Previous.
  await page.waitForFunction(() => document.activeElement?.id === 'pager-previous');
  await pager.getByRole('button', { name: 'Previous' }).click();
  await pager.getByText('Accounts 51–100 of 121').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
