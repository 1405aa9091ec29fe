// Sync benchmark in headless Chromium against the real store (release build). Prints a table;
// not a test (node --test does not pick this file up). Run through scripts/bench.sh.
//
// Every figure is a median of several tries, and with a baseline the two builds take turns try
// by try (each build has its own store, both running), so a busy moment of the machine falls on
// both alike instead of on whichever build happened to run then.

import { DIST, startStore, launchBrowser, newPage, signUpViaApi, m365Body } from './harness.mjs';

// An empty organization (the anchor for the delta), then 1,000 and 10,000 accounts.
const SIZES = [0, 1_000, 10_000];
/** Tries per figure (XOPS_BENCH_RUNS); the median is printed. */
const RUNS = Number(process.env.XOPS_BENCH_RUNS ?? 5);

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

/** Makes this tab a new device: no copy of the records, nobody remembered (the HTTP cache stays). */
const forgetDevice = (page) => page.evaluate(async () => {
  localStorage.clear();
  for (const d of await indexedDB.databases()) {
    await new Promise((done) => { const q = indexedDB.deleteDatabase(d.name); q.onsuccess = q.onerror = q.onblocked = done; });
  }
});

// The builds to compare, side by side in one run: this build, and with XOPS_BASELINE_DIST
// another build's dist/, served by its own store when XOPS_BASELINE_STORE_BIN names one
// (scripts/bench.sh --baseline REV builds both from a git revision).
const builds = [{ name: 'this build', dist: DIST }];
if (process.env.XOPS_BASELINE_DIST) {
  builds.push({ name: 'baseline', dist: process.env.XOPS_BASELINE_DIST, bin: process.env.XOPS_BASELINE_STORE_BIN });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (f) => { const t = performance.now(); await f(); return performance.now() - t; };

const browser = await launchBrowser();
try {
  // One store per build, and per size one organization in it, with its own tab.
  for (const b of builds) {
    b.store = await startStore({ dist: b.dist, ...(b.bin ? { bin: b.bin } : {}) });
    b.sizes = [];
    for (const [k, n] of SIZES.entries()) {
      const { page, context } = await newPage(browser);
      context.setDefaultTimeout(120_000);
      await signUpViaApi(page, b.store);
      await bulkInsert(page, b.store, n, String(k));
      await page.goto(b.store.url + '/integrations');
      await count(page, n);
      await saved(page);
      b.sizes.push({ n, k, page, context, initial: [], shown: [], caughtUp: [], delta: [], other: [] });
    }
  }
  for (let run = 0; run < RUNS; run++) {
    for (const i of SIZES.keys()) {
      for (const b of builds) {
        const s = b.sizes[i];
        // A new device: from the page's load until every record is shown and saved here.
        await forgetDevice(s.page);
        s.initial.push(await time(async () => { await s.page.reload(); await count(s.page, s.n); await saved(s.page); }));
        // A reload: until the list is shown from the device, and until caught up with the store.
        const t = performance.now();
        await s.page.reload();
        await count(s.page, s.n);
        s.shown.push(performance.now() - t);
        await saved(s.page);
        s.caughtUp.push(performance.now() - t);
      }
    }
  }
  // One change made elsewhere, then the tab told to sync (as when it comes back online): until
  // the view counts it, and until a second tab of the same person counts it too (it hears of it
  // from the first).
  for (const b of builds) {
    for (const s of b.sizes) {
      const other = await s.context.newPage();
      await other.goto(b.store.url + '/integrations');
      await count(other, s.n);
      await saved(other);
      for (let d = 0; d < RUNS; d++) {
        const id = `${s.k}ffffff${d}-0000-4000-8000-000000000000`;
        const added = await s.page.request.put(`${b.store.url}/api/v1/records/${id}`, {
          headers: { origin: b.store.url, 'if-none-match': '*' }, data: { kind: 'integration', body: m365Body(`One more ${d}`) },
        });
        if (added.status() !== 201) throw new Error(`delta insert: ${added.status()} ${await added.text()}`);
        const t = performance.now();
        await s.page.evaluate(() => window.dispatchEvent(new Event('online')));
        await count(s.page, s.n + d + 1);
        s.delta.push(performance.now() - t);
        await count(other, s.n + d + 1);
        s.other.push(performance.now() - t);
        await saved(s.page);
      }
    }
  }
} finally {
  for (const b of builds) {
    for (const s of b.sizes ?? []) await s.context.close().catch(() => {});
    await b.store?.stop();
  }
  await browser.close();
}

console.log(`\nsync in headless Chromium (ms, medians of ${RUNS}; the store is the release build on loopback; Integrations counts the accounts;`);
console.log('initial sync: a device with no copy and nobody remembered, the app files already in its HTTP cache)');
const columns = ['initial sync', 'reload: shown from device', 'reload: caught up', 'delta of 1 change', 'delta, in another tab'];
for (const b of builds) {
  b.rows = b.sizes.map((s) => [s.n, ...[s.initial, s.shown, s.caughtUp, s.delta, s.other].map(median)]);
  console.log(`  ${b.name} (${b.dist})`);
  console.log(['records', ...columns].map((h, i) => (i ? h.padStart(27) : h.padEnd(10))).join(''));
  for (const [n, ...ms] of b.rows) console.log(String(n).padEnd(10) + ms.map((v) => v.toFixed(0).padStart(27)).join(''));
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
