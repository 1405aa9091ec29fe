// Layout a person meets on a phone and with a mouse: no page is wider than the screen from 320 px
// up (light and dark), and a message that appears when a field is left never moves the button the
// person is clicking, so that click is never lost.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, newPage, signUpViaApi, connectViaApi } from './harness.mjs';
import { disclose, linkM365 } from './microsoft.mjs';

const env = useStoreAndBrowser({ before, after });
const ACCOUNT = '3c000000-0000-4000-8000-000000000001';

async function open(page, path) {
  await page.goto(env.store.url + path);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

/** How far the page is wider than the window, and the widest element that sticks out. */
const overflow = (page) => page.evaluate(() => {
  const width = document.documentElement.clientWidth;
  let widest = null;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    // Text that runs out of its box (a long word) counts as sticking out too.
    const right = Math.max(r.right, r.left + el.scrollWidth);
    if (right > width + 0.5 && getComputedStyle(el).overflowX === 'visible' && (!widest || right > widest.right)) {
      widest = { right: Math.round(right), what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}` };
    }
  }
  return { extra: document.documentElement.scrollWidth - width, widest };
});

for (const colorScheme of ['light', 'dark']) {
  test(`no page scrolls sideways at 320 and 360 px, ${colorScheme}`, async () => {
    const found = [];
    for (const width of [320, 360]) {
      const viewport = { width, height: 720 };
      const signedOut = await newPage(env.browser, { colorScheme, viewport });
      for (const path of ['/login', '/signup', '/join', '/reset']) {
        await open(signedOut.page, path);
        const o = await overflow(signedOut.page);
        if (o.extra > 0) found.push(`${width}px ${path}: ${o.extra}px too wide (${JSON.stringify(o.widest)})`);
      }
      await signedOut.context.close();

      const { page, context } = await newPage(env.browser, { colorScheme, viewport });
      await signUpViaApi(page, env.store);
      await open(page, '/welcome');
      const pages = ['/welcome', '/integrations/aws/new', '/integrations/azure/new', '/integrations/microsoft/m365/new'];
      for (const path of pages) {
        await open(page, path);
        const o = await overflow(page);
        if (o.extra > 0) found.push(`${width}px ${path}: ${o.extra}px too wide (${JSON.stringify(o.widest)})`);
      }
      await connectViaApi(page, env.store, ACCOUNT, 'Contoso production with a long name');
      for (const path of ['/', '/integrations', `/integrations/${ACCOUNT}`, '/members', '/activity', '/security', '/no/such/page']) {
        await open(page, path);
        const o = await overflow(page);
        if (o.extra > 0) found.push(`${width}px ${path}: ${o.extra}px too wide (${JSON.stringify(o.widest)})`);
      }
      await context.close();
    }
    assert.deepEqual(found, []);
  });
}

test('leaving an invalid field by clicking a button or a link performs that click', async () => {
  const { page, context, problems } = await newPage(env.browser, { viewport: { width: 1280, height: 800 } });
  // Sign in: leave a bad email by clicking "Create an account".
  await open(page, '/login');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.waitForURL(/\/signup/);
  // Create account: leave a short password by clicking "Sign in".
  await page.getByLabel('Password').fill('short');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login/);

  // The AWS form: leave the empty AWS Account Name by clicking "Download CloudFormation template".
  await signUpViaApi(page, env.store);
  await open(page, '/integrations/aws/new');
  await page.getByTestId('xops-account').waitFor();
  await page.getByRole('textbox', { name: 'AWS Account Name' }).click();
  const download = page.waitForEvent('download', { timeout: 5_000 });
  await page.getByRole('button', { name: 'Download CloudFormation template' }).click();
  assert.equal((await download).suggestedFilename(), 'xops-readonly-role.json', 'the first click downloads');
  // The message still comes, once the click is done.
  await page.locator('#account-name-error').filter({ hasText: 'Enter a name' }).waitFor();

  // An account: leave the name empty by clicking Integrations in the side navigation.
  await connectViaApi(page, env.store, '3c000000-0000-4000-8000-000000000002', 'Fabrikam');
  await open(page, '/integrations/3c000000-0000-4000-8000-000000000002');
  await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
  await page.waitForURL(env.store.url + '/integrations');
  assert.deepEqual(problems, []);
  await context.close();
});

test('buttons fit their text and keep their distance from the fields above them', async () => {
  const { page, context } = await newPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await signUpViaApi(page, env.store);
  await connectViaApi(page, env.store, '3c000000-0000-4000-8000-000000000003', 'Northwind');
  await open(page, '/integrations/3c000000-0000-4000-8000-000000000003');
  const box = (locator) => locator.boundingBox();
  const rename = await box(page.getByRole('button', { name: 'Rename' }));
  const field = await box(page.getByRole('textbox', { name: 'Microsoft Account Name' }));
  assert.ok(rename.width < field.width / 2, `Rename is ${rename.width}px wide beside a ${field.width}px field`);
  await disclose(page, 'Replace certificate');
  const group = page.getByRole('group', { name: 'Replace certificate' });
  const replace = await box(group.getByRole('button', { name: 'Replace certificate' }));
  const size = await box(group.getByLabel('Key size'));
  const gap = replace.y - (size.y + size.height);
  assert.ok(gap >= 8, `Replace certificate sits ${gap}px below the selects`);
  await context.close();
});

test('on a phone, the setup guide opens where the person is, not below the form', async () => {
  const { page, context, problems } = await newPage(env.browser, { viewport: { width: 360, height: 740 } });
  await signUpViaApi(page, env.store);
  await open(page, '/integrations/microsoft/m365/new');
  const toggle = page.getByRole('button', { name: 'Step-by-step setup guide' });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const guide = page.getByRole('complementary', { name: 'How to connect a Microsoft 365 account' });
  await guide.waitFor();
  // The guide's heading shows in the same screen as the button just pressed, without scrolling.
  const heading = await guide.getByRole('heading', { level: 2 }).boundingBox();
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(heading.y + heading.height <= 740, `the guide's heading is at ${Math.round(heading.y)}px, below the screen (scrolled ${scrolled}px)`);
  const form = await page.locator('form.link-form').boundingBox();
  assert.ok(heading.y < form.y, 'the guide comes before the form on a phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the account page on a phone: name, status and the next step in the first screen, and at most three screens in all', async () => {
  const heights = {};
  for (const [width, height] of [[360, 740], [1280, 900]]) {
    const { page, context, problems } = await newPage(env.browser, { viewport: { width, height } });
    await signUpViaApi(page, env.store);
    const { id } = await linkM365(page, env.store.url, { tenantId: '0000000c-bbbb-4ccc-8ddd-000000000000', appId: '22222222-3333-4444-8555-666666666666' });
    await open(page, `/integrations/${id}`);
    await page.getByText('Private key: held by this browser').waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    heights[`${width}x${height}`] = await page.evaluate(() => document.documentElement.scrollHeight);
    if (width === 360) {
      // The phone's header is one row (brand and Menu) above the page.
      const header = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
      assert.ok(header.height <= 56, `the phone header is ${header.height}px tall`);
      heights.header360 = Math.round(header.height);
      for (const [what, locator] of [
        ['the name', page.getByRole('heading', { level: 1 })],
        ['the status', page.getByTestId('account-status').locator('.status-line')],
        ['the next step', page.getByTestId('account-status').locator('.next-step')],
      ]) {
        const box = await locator.boundingBox();
        assert.ok(box && box.y + box.height <= height, `${what} ends at ${box && Math.round(box.y + box.height)}px, below the first screen`);
      }
      assert.ok(heights['360x740'] <= 3 * height, `the phone page is ${heights['360x740']}px tall, over three screens (${3 * height}px)`);
    } else {
      // A wide screen has the side navigation itself, no Menu button.
      assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), false);
      assert.ok(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).isVisible());
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
  console.log(`account page heights, nothing expanded: ${JSON.stringify(heights)}`);
});
