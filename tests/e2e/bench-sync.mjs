// Sync benchmark in headless Chromium against the real store (release build). Prints a table;
// not a test (node --test does not pick this file up). Run through scripts/bench.sh.

import { startStore, launchBrowser, newPage, signUpViaApi, m365Body } from './harness.mjs';

const SIZES = [1_000, 10_000];

async function bulkInsert(page, store, n, prefix) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const id = `${prefix}${i.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`;
      const res = await page.request.put(`${store.url}/api/v1/records/${id}`, {
        headers: { origin: store.url, 'if-none-match': '*' },
        data: { kind: 'integration', body: m365Body(`Account ${i}`) },
      });
      if (res.status() !== 201) throw new Error(`insert ${i}: ${res.status()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const count = (page, n) =>
  page.waitForFunction((n) => {
    const li = document.querySelector('.summary li');
    return li && li.textContent.trim().startsWith(`${n}`) && li.textContent.includes('Microsoft 365');
  }, n, { polling: 'raf', timeout: 120_000 });
const saved = (page) =>
  page.waitForFunction(() => document.querySelector('[data-testid=sync-status]')?.textContent === 'Saved', null, { polling: 'raf', timeout: 120_000 });

const store = await startStore();
const browser = await launchBrowser();
const rows = [];
try {
  for (const [k, n] of SIZES.entries()) {
    const { page, context } = await newPage(browser);
    context.setDefaultTimeout(120_000);
    await signUpViaApi(page, store);
    await bulkInsert(page, store, n, String(k));

    let t = performance.now();
    await page.goto(store.url + '/');
    await count(page, n);
    await saved(page);
    const cold = performance.now() - t;

    t = performance.now();
    await page.reload();
    await count(page, n);
    const warmFirst = performance.now() - t;
    await saved(page);
    const warmSaved = performance.now() - t;

    const id = `${k}fffffff-0000-4000-8000-000000000000`;
    const added = await page.request.put(`${store.url}/api/v1/records/${id}`, {
      headers: { origin: store.url, 'if-none-match': '*' }, data: { kind: 'integration', body: m365Body('One more') },
    });
    if (added.status() !== 201) throw new Error(`delta insert: ${added.status()} ${await added.text()}`);
    t = performance.now();
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await count(page, n + 1);
    const delta = performance.now() - t;
    rows.push([n, cold, warmFirst, warmSaved, delta]);
    await context.close();
  }
} finally {
  await browser.close();
  await store.stop();
}

console.log('\nsync in headless Chromium (ms; the store is the release build on loopback; Home counts the records)');
console.log(['records', 'initial sync', 'reload: shown from cache', 'reload: caught up', 'delta of 1 change'].map((h, i) => (i ? h.padStart(26) : h.padEnd(8))).join(''));
for (const [n, ...ms] of rows) console.log(String(n).padEnd(8) + ms.map((v) => v.toFixed(0).padStart(26)).join(''));
