// Every screen at 360×740 and 1280×900, light and dark, saved as full-page screenshots for a
// person to look at (issue 32): target/screenshots/<theme>-<width>/<screen>.png. They are kept as
// the run's artifacts and not compared pixel by pixel; what the test asserts is that every screen
// rendered its heading without a console error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useStoreAndBrowser, newPage, signUpViaApi } from './harness.mjs';
import { linkM365 } from './microsoft.mjs';

const env = useStoreAndBrowser({ before, after });
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../target/screenshots');

const SCHEMES = ['light', 'dark'];

// One visit, two pictures: the page in the light theme, then in the dark one (the media feature
// switched in place, so both show the same state of the page).
async function shoot(page, dirs, name, path, { fullPage = true } = {}) {
  if (path) await page.goto(env.store.url + path);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  // Let the page settle (fonts, the first sync round) before the pictures.
  await page.waitForLoadState('networkidle');
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `${dirs[colorScheme]}/${name}.png`, fullPage });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

for (const viewport of [{ width: 360, height: 740 }, { width: 1280, height: 900 }]) {
  test(`every screen, light and dark, ${viewport.width}×${viewport.height}`, async () => {
    const dirs = Object.fromEntries(SCHEMES.map((c) => [c, `${OUT}/${c}-${viewport.width}`]));
    Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));
    const signedOut = await newPage(env.browser, { colorScheme: 'light', viewport });
    for (const [name, p] of [['sign-in', '/login'], ['create-account', '/signup'], ['join', '/join'], ['reset', '/reset']]) {
      await shoot(signedOut.page, dirs, name, p);
    }
    assert.deepEqual(signedOut.problems, []);
    await signedOut.context.close();

    const { page, context, problems } = await newPage(env.browser, { colorScheme: 'light', viewport });
    await signUpViaApi(page, env.store);
    await shoot(page, dirs, 'welcome', '/welcome');
    await shoot(page, dirs, 'link-aws', '/integrations/aws/new');
    await shoot(page, dirs, 'link-azure', '/integrations/azure/new');
    await shoot(page, dirs, 'link-m365', '/integrations/microsoft/m365/new');
    await page.getByRole('button', { name: 'Step-by-step setup guide' }).click();
    await shoot(page, dirs, 'link-m365-guide-open');
    const { id } = await linkM365(page, env.store.url, { tenantId: '0000000d-bbbb-4ccc-8ddd-000000000000', appId: '22222222-3333-4444-8555-666666666666' });
    await shoot(page, dirs, 'account-just-linked');
    await page.goto(`${env.store.url}/integrations/${id}`);
    await page.getByText('Private key: held by this browser').waitFor();
    await shoot(page, dirs, 'account');
    await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));
    await shoot(page, dirs, 'account-everything-open');
    if (viewport.width < 768) {
      await page.getByRole('button', { name: 'Menu' }).click();
      await shoot(page, dirs, 'menu-open', null, { fullPage: false });
      await page.keyboard.press('Escape');
    }
    for (const [name, p] of [['home', '/'], ['integrations', '/integrations'], ['members', '/members'], ['activity', '/activity'],
      ['security', '/security'], ['not-found', '/no/such/page']]) {
      await shoot(page, dirs, name, p);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}
