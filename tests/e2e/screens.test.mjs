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

async function shoot(page, dir, name, path) {
  if (path) await page.goto(env.store.url + path);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  // Let the page settle (fonts, the first sync round) before the picture.
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

for (const colorScheme of ['light', 'dark']) {
  for (const viewport of [{ width: 360, height: 740 }, { width: 1280, height: 900 }]) {
    test(`every screen, ${colorScheme}, ${viewport.width}×${viewport.height}`, async () => {
      const dir = `${OUT}/${colorScheme}-${viewport.width}`;
      mkdirSync(dir, { recursive: true });
      const signedOut = await newPage(env.browser, { colorScheme, viewport });
      for (const [name, p] of [['sign-in', '/login'], ['create-account', '/signup'], ['join', '/join'], ['reset', '/reset']]) {
        await shoot(signedOut.page, dir, name, p);
      }
      assert.deepEqual(signedOut.problems, []);
      await signedOut.context.close();

      const { page, context, problems } = await newPage(env.browser, { colorScheme, viewport });
      await signUpViaApi(page, env.store);
      await shoot(page, dir, 'welcome', '/welcome');
      await shoot(page, dir, 'link-aws', '/integrations/aws/new');
      await shoot(page, dir, 'link-azure', '/integrations/azure/new');
      await shoot(page, dir, 'link-m365', '/integrations/microsoft/m365/new');
      await page.getByRole('button', { name: 'Step-by-step setup guide' }).click();
      await shoot(page, dir, 'link-m365-guide-open');
      const { id } = await linkM365(page, env.store.url, { tenantId: '0000000d-bbbb-4ccc-8ddd-000000000000', appId: '22222222-3333-4444-8555-666666666666' });
      await shoot(page, dir, 'account-just-linked');
      await page.goto(`${env.store.url}/integrations/${id}`);
      await page.getByText('Private key: held by this browser').waitFor();
      await shoot(page, dir, 'account');
      await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));
      await shoot(page, dir, 'account-everything-open');
      if (viewport.width < 768) {
        await page.getByRole('button', { name: 'Menu' }).click();
        await page.screenshot({ path: `${dir}/menu-open.png` });
        await page.keyboard.press('Escape');
      }
      for (const [name, p] of [['home', '/'], ['integrations', '/integrations'], ['members', '/members'], ['activity', '/activity'],
        ['security', '/security'], ['not-found', '/no/such/page']]) {
        await shoot(page, dir, name, p);
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
