// Sync benchmark in headless Chromium against the real store (release build). Prints a table;
// not a test (node --test does not pick this file up). Run through scripts/bench.sh.

import { DIST, startStore, launchBrowser, newPage, signUpViaApi, m365Body } from './harness.mjs';

// An empty organization (the anchor for the delta), then 1,000 and 10,000 accounts.
const SIZES = [0, 1_000, 10_000];

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

// Integrations says how many Microsoft 365 accounts the organization has (it shows for an
// empty organization too, unlike Home, which sends it to the first-login picker).
const linked = (n) => (n === 0 ? 'No accounts linked' : n === 1 ? '1 account linked' : `${n} accounts linked`);
const count = (page, n) =>
  page.waitForFunction((text) => [...document.querySelectorAll('.choice-count')].some((c) => c.textContent === text),
    linked(n), { polling: 'raf', timeout: 120_000 });
const saved = (page) =>
  page.waitForFunction(() => document.querySelector('[data-testid=sync-status]')?.textContent === 'Saved', null, { polling: 'raf', timeout: 120_000 });

// The builds to compare, side by side in one run: this build, and with XOPS_BASELINE_DIST
// another build's dist/ (scripts/bench.sh --baseline REV builds one from a git revision).
const builds = [{ name: 'this build', dist: DIST }];
if (process.env.XOPS_BASELINE_DIST) builds.push({ name: 'baseline', dist: process.env.XOPS_BASELINE_DIST });

/** Every size against one build: [records, initial sync, reload shown, reload caught up, delta, delta in another tab]. */
async function measure(browser, store) {
  const rows = [];
  for (const [k, n] of SIZES.entries()) {
    const { page, context } = await newPage(browser);
    context.setDefaultTimeout(120_000);
    await signUpViaApi(page, store);
    await bulkInsert(page, store, n, String(k));

    let t = performance.now();
    await page.goto(store.url + '/integrations');
    await count(page, n);
    await saved(page);
    const cold = performance.now() - t;

    t = performance.now();
    await page.reload();
    await count(page, n);
    const warmFirst = performance.now() - t;
    await saved(page);
    const warmSaved = performance.now() - t;

    // One change made elsewhere, then the tab told to sync (as when it comes back online):
    // until the view counts it, and until a second tab of the same person counts it too (it
    // hears of it from the first). The median of five.
    const other = await context.newPage();
    await other.goto(store.url + '/integrations');
    await count(other, n);
    const deltas = [], others = [];
    for (let d = 0; d < 5; d++) {
      const id = `${k}ffffff${d}-0000-4000-8000-000000000000`;
      const added = await page.request.put(`${store.url}/api/v1/records/${id}`, {
        headers: { origin: store.url, 'if-none-match': '*' }, data: { kind: 'integration', body: m365Body(`One more ${d}`) },
      });
      if (added.status() !== 201) throw new Error(`delta insert: ${added.status()} ${await added.text()}`);
      t = performance.now();
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await count(page, n + d + 1);
      deltas.push(performance.now() - t);
      await count(other, n + d + 1);
      others.push(performance.now() - t);
      await saved(page);
    }
    const median = (xs) => xs.sort((a, b) => a - b)[2];
    rows.push([n, cold, warmFirst, warmSaved, median(deltas), median(others)]);
    await context.close();
  }
  return rows;
}

const browser = await launchBrowser();
try {
  for (const b of builds) {
    const store = await startStore({ dist: b.dist });
    try {
      b.rows = await measure(browser, store);
    } finally {
      await store.stop();
    }
  }
} finally {
  await browser.close();
}

console.log('\nsync in headless Chromium (ms; the store is the release build on loopback; Integrations counts the accounts)');
for (const b of builds) {
  console.log(`  ${b.name} (${b.dist})`);
  console.log(['records', 'initial sync', 'reload: shown from cache', 'reload: caught up', 'delta of 1 change', 'delta, in another tab'].map((h, i) => (i ? h.padStart(26) : h.padEnd(10))).join(''));
  for (const [n, ...ms] of b.rows) console.log(String(n).padEnd(10) + ms.map((v) => v.toFixed(0).padStart(26)).join(''));
  const at = (n) => b.rows.find((r) => r[0] === n);
  const [empty, large] = [at(0), at(10_000)];
  console.log(`  delta of 1 change at 10,000 records against an empty organization: ${(large[4] / empty[4]).toFixed(2)}x (target <= 1.5x); in another tab ${(large[5] / empty[5]).toFixed(2)}x`);
  console.log(`  initial sync of 10,000: ${large[1].toFixed(0)} ms (target <= 1000 ms); reload shows them from the device in ${large[2].toFixed(0)} ms (target <= 300 ms)`);
}
if (builds.length === 2) {
  const [now, base] = builds.map((b) => b.rows.find((r) => r[0] === 10_000));
  const ratio = (i) => (now[i] / base[i]).toFixed(2);
  console.log(`  this build against the baseline at 10,000: initial sync ${ratio(1)}x, reload ${ratio(2)}x, delta ${ratio(4)}x, delta in another tab ${ratio(5)}x`);
}
