// The end-to-end harness: the real store binary on a free port with a temporary database,
// serving the real release build, and Debian's Chromium driven by Playwright.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STORE_BIN = process.env.XOPS_STORE_BIN ?? path.join(ROOT, 'target/debug/xops-store');
export const DIST = process.env.XOPS_DIST ?? path.join(ROOT, 'dist');
/** The store's Xops AWS account in tests (the example account of AWS's documentation). */
export const XOPS_AWS_ACCOUNT = '111122223333';

/**
 * Starts a store; resolves once it prints the address it listens on. `dir` and `listen` start it
 * again on the database and the address of one that was paused (see `pause`).
 */
export async function startStore({ args = [], logLevel, dist = DIST, dir: reuse, listen = '127.0.0.1:0', bin = STORE_BIN, env = {}, aws = true, tickets = false } = {}) {
  for (const [what, p] of [['store binary', bin], ['release build', path.join(dist, 'index.html')]]) {
    if (!existsSync(p)) throw new Error(`the ${what} is missing at ${p}; run scripts/test.sh`);
  }
  const dir = reuse ?? mkdtempSync(path.join(tmpdir(), 'xops-e2e-'));
  // A store that keeps sign-in tickets has a secrets key file, as scripts/run.sh makes one.
  const secrets = path.join(dir, 'secrets.key');
  if (tickets && !existsSync(secrets)) writeFileSync(secrets, randomBytes(32).toString('base64'), { mode: 0o600 });
  const child = spawn(
    bin,
    ['--listen', listen, '--database', path.join(dir, 'store.sqlite3'), '--static-dir', dist,
      ...(aws ? ['--aws-account-id', XOPS_AWS_ACCOUNT] : []),
      // Every test signs up from this one loopback address; the default limit is for the open internet.
      '--signups-per-address', '1000', ...(tickets ? ['--secrets-key-file', secrets] : []), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...withoutAws(process.env), ...env, RUST_LOG: logLevel ?? process.env.RUST_LOG ?? 'warn' } },
  );
  let logs = ''; // all the store printed, on either stream
  child.stderr.on('data', (d) => { logs += d; });
  child.stdout.on('data', (d) => { logs += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the store did not start in 20 s:\n${out}${logs}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the store exited (${code}):\n${out}${logs}`)); });
  });
  return {
    url,
    dir,
    logs: () => logs,
    /** Stops the process and keeps its database, to start it again with `dir` and `listen`. */
    async pause() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
    async stop() {
      await this.pause();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment without any AWS credentials of the machine's: a store has AWS access in a test
 * only when the test gives it (see fake-aws.mjs). */
function withoutAws(env) {
  const kept = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('AWS_')));
  return { ...kept, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' };
}

/** Headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A new page that records console errors and uncaught exceptions (CSP violations among them). */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  // Fail in seconds, not half a minute, when something the test waits for never comes.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { context, page, problems };
}

export const PASSWORD = 'correct horse battery staple';

/** Opens Sign in at `base` and signs in through its form (the caller waits for what follows). */
export async function signInThroughForm(page, base, email, password = PASSWORD) {
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

let accounts = 0;
/** Signs up a fresh organization through the API, in this page's cookie jar (so the page is signed in). */
export async function signUpViaApi(page, store, { organization, email } = {}) {
  accounts += 1;
  const res = await page.request.post(store.url + '/api/v1/auth/signup', {
    headers: { origin: store.url },
    data: {
      organization: organization ?? `Org ${accounts}`,
      email: email ?? `person${accounts}-${Date.now()}@example.com`,
      password: PASSWORD,
    },
  });
  if (res.status() !== 201) throw new Error(`sign up failed: ${res.status()} ${await res.text()}`);
  return res.json();
}

/**
 * Invites `email` as `role` through the store's API from `owner`'s page, and has them join with
 * PASSWORD in `joiner`'s cookie jar (so that page is signed in as them); returns the join's answer.
 */
export async function joinViaApi(owner, joiner, store, { email, role }) {
  const headers = { origin: store.url };
  const invited = await owner.request.post(store.url + '/api/v1/invitations', { headers, data: { email, role } });
  if (invited.status() !== 201) throw new Error(`invitation failed: ${invited.status()} ${await invited.text()}`);
  const { token } = await invited.json();
  const joined = await joiner.request.post(store.url + '/api/v1/auth/join', { headers, data: { token, password: PASSWORD } });
  if (joined.status() !== 201) throw new Error(`join failed: ${joined.status()} ${await joined.text()}`);
  return joined.json();
}

/** A Microsoft 365 integration body, as the app saves it. */
export function m365Body(name) {
  return {
    name,
    details: { provider: 'microsoft365', tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      application_id: '11111111-2222-3333-4444-555555555555', organization: 'contoso.onmicrosoft.com' },
    certificate: null, status: 'connected', created_at: 1_700_000_000_000, updated_at: 1_700_000_000_000,
  };
}

/** Creates an integration record through the store's API in this page's session; returns its record. */
export async function connectViaApi(page, store, id, name) {
  const res = await page.request.put(`${store.url}/api/v1/records/${id}`, {
    headers: { origin: store.url, 'if-none-match': '*' },
    data: { kind: 'integration', body: m365Body(name) },
  });
  if (res.status() !== 201) throw new Error(`connect failed: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** The store's copy of one record, read through its API. */
export async function storedRecord(page, store, id) {
  const res = await page.request.get(`${store.url}/api/v1/records/${id}`);
  return res.json();
}

/**
 * One store and one browser for a test file, started before its tests and stopped after.
 * Returns live getters: `const env = useStoreAndBrowser(); ... env.store.url`.
 */
export function useStoreAndBrowser({ before, after, store = {} }) {
  const env = { store: undefined, browser: undefined };
  before(async () => {
    env.store = await startStore(store);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.store?.stop();
  });
  return env;
}

/** A free TCP port on loopback (for a server that cannot be told to pick one, like nginx). */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/**
 * Debian's nginx in the foreground with a server block (the deploy kit's nginx.conf) inside a
 * minimal http block; everything it writes stays in a temporary folder.
 */
export async function startNginx(serverBlockPath, port) {
  const dir = mkdtempSync(path.join(tmpdir(), 'xops-nginx-'));
  const { writeFileSync } = await import('node:fs');
  const temp = ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t === 'body' ? 'client_body' : t}_temp_path ${dir}/${t};`).join(' ');
  // As root (CI), workers would drop to `nobody`, who cannot read our 0700 temporary folders.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(path.join(dir, 'nginx.conf'), `${user} worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 256; }
http { include /etc/nginx/mime.types; access_log off; ${temp} include ${serverBlockPath}; }
`);
  const bin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  const child = spawn(bin, ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr.on('data', (d) => { logs += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${logs}`);
    try { await fetch(url + '/config.json'); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the service worker controls the page and has kept every file of the build. */
export async function keptOnDevice(page) {
  // (page.waitForFunction does not wait for a promise the function returns, so poll here.)
  for (let waited = 0; waited < 20_000; waited += 200) {
    const kept = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return Boolean(navigator.serviceWorker.controller && registration?.active?.state === 'activated');
    });
    if (kept) return;
    await page.waitForTimeout(200);
  }
  throw new Error('the service worker did not take over the page within 20 s');
}
