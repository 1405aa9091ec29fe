// Layout a person meets on a phone and with a mouse: no page is wider than the screen from 320 px
// up (light and dark), and a message that appears when a field is left never moves the button the
// person is clicking, so that click is never lost.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, newPage, signUpViaApi, connectViaApi } from './harness.mjs';

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
  const group = page.getByRole('group', { name: 'Replace certificate' });
  const replace = await box(group.getByRole('button', { name: 'Replace certificate' }));
  const size = await box(group.getByLabel('Key size'));
  const gap = replace.y - (size.y + size.height);
  assert.ok(gap >= 8, `Replace certificate sits ${gap}px below the selects`);
  await context.close();
});
