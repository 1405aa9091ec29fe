// First-load benchmark in headless Chromium against the real store serving the release build.
// Prints numbers side by side; not a test (node --test does not pick this file up). Run through
// scripts/bench.sh.
//
// - Bytes on the wire (as served, compressed) from navigation until the network is idle: a cold
//   visit to /login, and a cold visit to Home by a signed-in person.
// - A static file fetched 20 times on one kept-alive connection, against the first fetch.
// - When the sign-in form is usable (#email visible), against the same form as a static HTML page
//   served by the same store in the same run: median of 5 cold loads each, and the ratio.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { DIST, launchBrowser, signUpViaApi, startStore } from './harness.mjs';

const RUNS = 5;

// A copy of the build with a static sign-in form beside the app: same stylesheet, same fields.
const site = mkdtempSync(path.join(tmpdir(), 'xops-bench-dist-'));
cpSync(DIST, site, { recursive: true });
const css = readFileSync(path.join(DIST, 'index.html'), 'utf8').match(/href="(\/[^"]+\.css)"/)?.[1] ?? '';
writeFileSync(path.join(site, 'static-login.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · Xops Integrations</title>
<link rel="stylesheet" href="${css}"></head><body><main class="auth"><h1>Sign in</h1>
<form><label for="email">Email</label><input id="email" type="email" autocomplete="username">
<label for="password">Password</label><input id="password" type="password" autocomplete="current-password">
<button type="submit" class="button primary">Sign in</button></form></main></body></html>`);

const store = await startStore({ dist: site });
const browser = await launchBrowser();

/** One cold load in a fresh context: bytes on the wire until idle, and ms until #email shows. */
async function coldLoad(url, prepare) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (prepare) await prepare(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  const files = [];
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
    files.push([new URL(urls.get(e.requestId) ?? 'http://x/?').pathname, e.encodedDataLength]);
  });
  await page.goto(url, { waitUntil: 'commit' });
  let visibleMs = null;
  if (!prepare) {
    await page.locator('#email').waitFor({ state: 'visible', timeout: 30_000 });
    visibleMs = await page.evaluate(() => performance.now());
  }
  await page.waitForLoadState('networkidle');
  await context.close();
  return { bytes, visibleMs, files };
}

/** `n` sequential fetches of `url` on one kept-alive connection: each one's milliseconds. */
async function keptAlive(url, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      http.get(url, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  agent.destroy();
  return times;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

try {
  const app = [], plain = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate, so neither side always runs on a warmer machine.
    app.push(await coldLoad(`${store.url}/login`));
    plain.push(await coldLoad(`${store.url}/static-login.html`));
  }
  const home = await coldLoad(`${store.url}/`, async (page) => { await signUpViaApi(page, store); });

  const appMs = median(app.map((r) => r.visibleMs));
  const plainMs = median(plain.map((r) => r.visibleMs));
  console.log('\nfirst load in Chromium (cold, cache disabled, as served)');
  console.log(`  /login: ${kb(median(app.map((r) => r.bytes)))} on the wire until idle`);
  for (const [f, b] of app[0].files) console.log(`      ${f.padEnd(52)} ${kb(b)}`);
  console.log(`  Home, signed in: ${kb(home.bytes)} on the wire until idle`);
  const [first, ...rest] = await keptAlive(`${store.url}${css}`, 21);
  console.log(`  the stylesheet on one kept-alive connection: first ${first.toFixed(1)} ms, then median ${median(rest).toFixed(1)} ms, slowest ${Math.max(...rest).toFixed(1)} ms (20 fetches)`);
  console.log(`  sign-in form usable: app ${appMs.toFixed(0)} ms, static HTML ${plainMs.toFixed(0)} ms (median of ${RUNS}): ${(appMs / plainMs).toFixed(2)}x`);
} finally {
  await browser.close();
  await store.stop();
  rmSync(site, { recursive: true, force: true });
}
