// First-load benchmark in headless Chromium against the real store serving the release build.
// Prints numbers side by side; not a test (node --test does not pick this file up). Run through
// scripts/bench.sh.
//
// - Bytes on the wire (as served, compressed), file by file: a cold visit to /login until the
//   network is idle; a cold visit to Home by a signed-in person (an organization with a connected
//   account) until Home's heading shows, until Saved and idle, and what idle time fetches after.
// - When Home's heading is on screen, against the same page as static HTML (its markup as the app
//   drew it, without scripts) served by the same store: median of 5 cold loads each, the ratio.
// - A static file fetched 20 times on one kept-alive connection, against the first fetch.
// - When the sign-in form is on screen (#email laid out), and when its module has taken it over, against the same form as a static HTML page
//   served by the same store in the same run: median of 9 cold loads each, and the ratio.
// - With XOPS_BASELINE_DIST (another build's dist/), the same for it, in the same run, and the
//   ratios between the two (scripts/bench.sh --baseline REV builds one from a git revision).

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { DIST, connectViaApi, launchBrowser, signUpViaApi, startStore } from './harness.mjs';

// Cold loads per side: timings on a shared 2-core machine are noisy, so take the median of several.
const RUNS = Number(process.env.XOPS_BENCH_RUNS ?? 9);
// Signed-in cold loads of Home per side (each a new organization with one connected account).
const HOME_RUNS = Number(process.env.XOPS_BENCH_HOME_RUNS ?? 5);

// The builds to compare, side by side in one run: this build, and optionally another one (an older
// build's dist/, e.g. the last release) given as XOPS_BASELINE_DIST.
const builds = [{ name: 'this build', dist: DIST }];
if (process.env.XOPS_BASELINE_DIST) builds.push({ name: 'baseline', dist: process.env.XOPS_BASELINE_DIST });

/** A copy of a build with a static sign-in form beside the app: same stylesheet, same fields. */
function siteWithStaticForm(dist) {
  const site = mkdtempSync(path.join(tmpdir(), 'xops-bench-dist-'));
  cpSync(dist, site, { recursive: true, preserveTimestamps: true });
  const css = readFileSync(path.join(dist, 'index.html'), 'utf8').match(/href="(\/[^"]+\.css)"/)?.[1] ?? '';
  writeFileSync(path.join(site, 'static-login.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · Xops Integrations</title>
<link rel="stylesheet" href="${css}"></head><body><main class="auth"><h1>Sign in</h1>
<form><label for="email">Email</label><input id="email" type="email" autocomplete="username">
<label for="password">Password</label><input id="password" type="password" autocomplete="current-password">
<button type="submit" class="button primary">Sign in</button></form></main></body></html>`);
  return { site, css };
}

for (const b of builds) {
  Object.assign(b, siteWithStaticForm(b.dist));
  b.store = await startStore({ dist: b.site });
}
const browser = await launchBrowser();

/** A signed-in person of a new organization with one connected account (so `/` is Home). */
async function signedIn(page, store) {
  await signUpViaApi(page, store);
  await connectViaApi(page, store, crypto.randomUUID(), 'Contoso M365');
}

/**
 * One cold load in a fresh context: bytes on the wire until idle, and ms until #email shows.
 * With `prepare` (a signed-in visit): ms until Home's heading is laid out (or the static copy's),
 * the files until then, the bytes until Home is Saved and idle, and then the files fetched in the
 * next 6 s (the other pages' code, fetched in idle time).
 */
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
  // The first animation frame in which #email (or Home's heading) is laid out: frames run only
  // once the page may render (its stylesheet is here), so this is when it is first painted, timed
  // inside the page (no round trip to the benchmark in the measure).
  // The sign-in module names the page in the title when it has taken the form over (from then on
  // a press of Sign in is sent at once; before, it is held for the module): `__readyAt`.
  await page.addInitScript(() => {
    const look = () => {
      const el = document.getElementById('email');
      if (!window.__emailShownAt && el && el.getBoundingClientRect().width > 0) window.__emailShownAt = performance.now();
      if (!window.__readyAt && document.title.includes(' · ')) window.__readyAt = performance.now();
      const h1 = document.querySelector('h1.page-title');
      if (!window.__headingAt && h1 && h1.textContent === 'Home' && h1.getBoundingClientRect().width > 0) {
        window.__headingAt = performance.now();
      }
      // Home as the app draws it: until then, the loader may show it from the page's markup
      // (src/loader/home.html), and `__xopsHome` holds what it drew.
      if (window.__headingAt && !window.__appHeadingAt && !window.__xopsHome && h1 && h1.isConnected) {
        window.__appHeadingAt = performance.now();
      }
      if (!window.__emailShownAt || !window.__readyAt || !window.__appHeadingAt) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
    // Resolves with the moment `name` was seen (see `seen` below).
    window.__seen = (name) => new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error(`${name} not seen in 30 s`)), 30_000);
      const check = () => (window[name] ? resolve(window[name]) : requestAnimationFrame(check));
      check();
    });
  });
  // Until the moments measured, the benchmark waits through the DevTools protocol alone:
  // Playwright's own waits first put its script into the page (about 25 ms of the page's main
  // thread on this machine, while the page is starting), which no visitor's browser runs.
  const seen = async (name) => {
    const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression: `window.__seen('${name}')`, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`waiting for ${name}: ${exceptionDetails.text}`);
    return result.value;
  };
  await page.goto(url, { waitUntil: 'commit' });
  let visibleMs = null, readyMs = null, headingMs = null, appHeadingMs = null, atHeading = null, atApp = null, later = null;
  if (!prepare) {
    visibleMs = await seen('__emailShownAt');
    readyMs = await seen('__readyAt');
    await page.waitForLoadState('networkidle');
  } else {
    headingMs = await seen('__headingAt');
    atHeading = files.slice();
    appHeadingMs = await seen('__appHeadingAt');
    atApp = files.slice();
    if (url.endsWith('.html')) {
      await page.waitForLoadState('networkidle');
    } else {
      await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      const settled = files.length;
      await page.waitForTimeout(6000);
      later = files.slice(settled);
      files.length = settled;
    }
  }
  const html = prepare && !url.endsWith('.html') ? await page.evaluate(() => document.documentElement.outerHTML) : null;
  await context.close();
  bytes = files.reduce((n, [, b]) => n + b, 0);
  return { bytes, visibleMs, readyMs, headingMs, appHeadingMs, atHeading, atApp, files, later, html };
}

/**
 * Home as a static page of the same shape: the markup a signed-in Home has once shown, without
 * its scripts and the sign-in pages' templates, with the same stylesheet.
 */
function writeStaticHome(site, html) {
  const page = html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
    .replace(/<template\b[^>]*>[\s\S]*?<\/template>/g, '')
    .replace(/<link\b[^>]*rel="(?:preload|modulepreload|prefetch)"[^>]*>/g, '');
  writeFileSync(path.join(site, 'static-home.html'), `<!doctype html>${page}`);
}

const sum = (files) => files.reduce((n, [, b]) => n + b, 0);

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
  for (const b of builds) Object.assign(b, { app: [], plain: [] });
  for (let i = 0; i < RUNS; i++) {
    // Alternate, so no side always runs on a warmer machine.
    for (const b of builds) {
      b.app.push(await coldLoad(`${b.store.url}/login`));
      b.plain.push(await coldLoad(`${b.store.url}/static-login.html`));
    }
  }
  for (const b of builds) {
    // Once to learn Home's shape for the static copy, then alternating like the above.
    const first = await coldLoad(`${b.store.url}/`, (page) => signedIn(page, b.store));
    writeStaticHome(b.site, first.html);
    Object.assign(b, { home: [], staticHome: [] });
  }
  for (let i = 0; i < HOME_RUNS; i++) {
    for (const b of builds) {
      b.home.push(await coldLoad(`${b.store.url}/`, (page) => signedIn(page, b.store)));
      b.staticHome.push(await coldLoad(`${b.store.url}/static-home.html`, (page) => signedIn(page, b.store)));
    }
  }
  console.log('\nfirst load in Chromium (cold, cache disabled, as served)');
  for (const b of builds) {
    const appMs = median(b.app.map((r) => r.visibleMs));
    const plainMs = median(b.plain.map((r) => r.visibleMs));
    b.loginBytes = median(b.app.map((r) => r.bytes));
    b.ratio = appMs / plainMs;
    console.log(`  ${b.name} (${b.dist})`);
    console.log(`    /login: ${kb(b.loginBytes)} on the wire until idle`);
    for (const [f, n] of b.app[0].files) console.log(`        ${f.padEnd(52)} ${kb(n)}`);
    const home = b.home[0];
    b.homeBytes = median(b.home.map((r) => sum(r.atHeading)));
    b.appHomeBytes = median(b.home.map((r) => sum(r.atApp)));
    b.idleBytes = median(b.home.map((r) => r.bytes + sum(r.later)));
    const homeMs = median(b.home.map((r) => r.headingMs));
    const staticMs = median(b.staticHome.map((r) => r.headingMs));
    const appHomeMs = median(b.home.map((r) => r.appHeadingMs));
    b.homeRatio = homeMs / staticMs;
    b.appHomeRatio = appHomeMs / staticMs;
    console.log(`    Home, signed in (cold): ${kb(b.homeBytes)} on the wire until its heading shows, ${kb(b.appHomeBytes)} until the app draws it`);
    for (const [f, n] of home.atApp) console.log(`        ${f.padEnd(52)} ${kb(n)}${home.atHeading.some(([g]) => g === f) ? '' : '  (after the heading showed)'}`);
    console.log(`      until Saved and idle: ${kb(home.bytes)}; with the other pages' code fetched in idle time: ${kb(b.idleBytes)}`);
    for (const [f, n] of home.files.slice(home.atApp.length)) console.log(`        ${f.padEnd(52)} ${kb(n)}`);
    console.log('      in idle time:');
    for (const [f, n] of home.later) console.log(`        ${f.padEnd(52)} ${kb(n)}`);
    console.log(`    Home's heading on screen: app ${homeMs.toFixed(0)} ms, static HTML of the same page ${staticMs.toFixed(0)} ms (median of ${HOME_RUNS}): ${b.homeRatio.toFixed(2)}x`);
    console.log(`    Home drawn by the app: ${appHomeMs.toFixed(0)} ms (${b.appHomeRatio.toFixed(2)}x the static page)`);
    const [first, ...rest] = await keptAlive(`${b.store.url}${b.css}`, 21);
    console.log(`    the stylesheet on one kept-alive connection: first ${first.toFixed(1)} ms, then median ${median(rest).toFixed(1)} ms, slowest ${Math.max(...rest).toFixed(1)} ms (20 fetches)`);
    console.log(`    sign-in form on screen: app ${appMs.toFixed(0)} ms, static HTML ${plainMs.toFixed(0)} ms (median of ${RUNS}): ${b.ratio.toFixed(2)}x`);
    const readyMs = median(b.app.map((r) => r.readyMs));
    console.log(`    sign-in module has taken the form over: ${readyMs.toFixed(0)} ms (${(readyMs / plainMs).toFixed(2)}x the static form on screen)`);
  }
  if (builds.length === 2) {
    const [now, base] = builds;
    console.log(`  this build against the baseline: /login bytes ${(now.loginBytes / base.loginBytes).toFixed(2)}x, Home bytes until its heading ${(now.homeBytes / base.homeBytes).toFixed(2)}x (until the app draws it ${(now.appHomeBytes / base.appHomeBytes).toFixed(2)}x), after idle ${(now.idleBytes / base.idleBytes).toFixed(2)}x; sign-in form on screen (as a multiple of static HTML) ${now.ratio.toFixed(2)}x against ${base.ratio.toFixed(2)}x; Home's heading ${now.homeRatio.toFixed(2)}x against ${base.homeRatio.toFixed(2)}x, drawn by the app ${now.appHomeRatio.toFixed(2)}x against ${base.appHomeRatio.toFixed(2)}x`);
  }
} finally {
  await browser.close();
  for (const b of builds) {
    await b.store.stop();
    rmSync(b.site, { recursive: true, force: true });
  }
}
