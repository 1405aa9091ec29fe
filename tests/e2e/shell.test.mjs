// A new user opens the product: the shell, routing, reload, the not-found page, under the CSP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, newPage, signUpViaApi, connectViaApi } from './harness.mjs';

const env = useStoreAndBrowser({ before, after });

test('a new user opens the app, goes to Integrations, reloads there, and meets a broken link', async () => {
  const { page, problems, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await page.goto(env.store.url + '/');
  // Nothing is connected yet: Home gives way to the first-login picker.
  await page.waitForURL(env.store.url + '/welcome');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.waitFor();

  await nav.getByRole('link', { name: 'Integrations' }).click();
  await page.waitForURL(env.store.url + '/integrations');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Integrations');
  assert.equal(await page.title(), 'Integrations · Xops Integrations');

  await page.reload();
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Integrations');
  assert.equal(await nav.getByRole('link', { name: 'Integrations' }).getAttribute('aria-current'), 'page');

  await page.goto(env.store.url + '/no/such/page');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Page not found');
  assert.ok(await nav.isVisible(), 'the not-found page is shown inside the shell');

  assert.deepEqual(problems, [], 'no console errors, CSP violations or exceptions');
  await context.close();
});

test('keyboard: the skip link and the side navigation work without a mouse', async () => {
  const { page, problems, context } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  await page.goto(env.store.url + '/welcome');
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
  // Tab on to the Integrations link and follow it with Enter.
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement.textContent)) === 'Integrations') break;
  }
  await page.keyboard.press('Enter');
  await page.waitForURL(env.store.url + '/integrations');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'focus moves to the new page');
  assert.deepEqual(problems, []);
  await context.close();
});

test('usable at 360 px wide in dark mode: nothing overflows sideways', async () => {
  const { page, problems, context } = await newPage(env.browser, { viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
  await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, '1a000000-0000-4000-8000-0000000000aa', 'A linked account with a rather long name');
  await page.goto(env.store.url + '/integrations');
  await page.getByRole('heading', { level: 1 }).waitFor();
  // The list's column headings are hidden at this width, so each value says what it is.
  const status = page.locator('.accounts td[data-label="Status"]');
  await status.waitFor();
  assert.equal(await status.evaluate((td) => getComputedStyle(td, '::before').content), '"Status: "');
  assert.equal(await page.locator('.accounts thead').isVisible(), false);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(15, 20, 28)', 'the dark theme applies');
  // The header is one compact row (the brand and Menu), and nothing stands between it and the
  // page's title while there is nothing to say about saving.
  const header = await page.locator('nav.side-nav').boundingBox();
  assert.ok(header.height <= 56, `the header is ${header.height}px tall`);
  const title = await page.getByRole('heading', { level: 1 }).boundingBox();
  // (Below the header: the one-line "1 account needs attention", then the page.)
  assert.ok(title.y <= 0.17 * 740, `the title starts ${title.y}px down a 740px screen`);
  assert.equal(await page.getByTestId('sync-status').evaluate((e) => e.getBoundingClientRect().height), 1, 'no "Saved" badge with nothing to say');
  const menu = page.getByRole('button', { name: 'Menu' });
  assert.equal(await page.getByRole('link', { name: 'Integrations' }).isVisible(), false);
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  assert.ok(await page.getByRole('link', { name: 'Integrations' }).isVisible());
  // The email shows whole in the open menu.
  const email = page.locator('.nav-user-email');
  assert.ok(await email.evaluate((e) => e.scrollWidth <= e.clientWidth), 'the email is not cut off');
  // Escape closes it and gives the focus back to Menu; a page opened from it closes it too.
  await page.keyboard.press('Escape');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), '☰ Menu');
  await menu.click();
  await page.getByRole('link', { name: 'Members' }).click();
  await page.waitForURL(env.store.url + '/members');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.deepEqual(problems, []);
  await context.close();
});

test('headers: CSP and caching on the document and on the hashed assets', async () => {
  const res = await fetch(env.store.url + '/', { headers: { accept: 'text/html' } });
  const html = await res.text();
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(res.headers.get('referrer-policy'));

  const assets = [...html.matchAll(/['"](\/[^'" ]+\.(?:js|wasm|css))['"]/g)].map((m) => m[1]);
  // The page's loader names both modules (the app's and the sign-in page's) and the stylesheet.
  assert.equal(assets.filter((a) => a.endsWith('.wasm')).length, 2, `assets: ${assets}`);
  assert.ok(assets.some((a) => a.endsWith('.css')), `assets: ${assets}`);
  for (const asset of new Set(assets)) {
    const r = await fetch(env.store.url + asset);
    assert.equal(r.status, 200, asset);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', asset);
    // The build's precompressed twins decode to the very file (fetch decodes them).
    const plain = Buffer.from(await (await fetch(env.store.url + asset, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    for (const encoding of ['br', 'gzip']) {
      const twin = await fetch(env.store.url + asset, { headers: { 'accept-encoding': encoding } });
      assert.equal(twin.headers.get('content-encoding'), encoding, `${asset} as ${encoding}`);
      assert.ok(plain.equals(Buffer.from(await twin.arrayBuffer())), `${asset}: the ${encoding} twin is this build's file`);
    }
  }

  const api = await fetch(env.store.url + '/api/v1/nope', { headers: { accept: 'text/html' } });
  assert.equal(api.status, 404);
  assert.equal((await api.json()).error.code, 'not_found');
});
