// Accessibility, checked by axe-core (the engine behind Lighthouse's and Chrome's audits) on every
// page a person meets, in the light and the dark theme, including pages showing field errors and the
// step-by-step guide. axe finds what can be found by rule (labels, names, roles, contrast, landmarks,
// ARIA use); the keyboard paths are covered by the flows in the other test files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { useStoreAndBrowser, newPage, signUpViaApi, connectViaApi } from './harness.mjs';

const env = useStoreAndBrowser({ before, after });
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe's violations on the page as it is now, one line each. */
async function violations(page) {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

async function open(page, path) {
  await page.goto(env.store.url + path);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

test('axe is really looking: an input without a label is reported', async () => {
  const { page, context } = await newPage(env.browser);
  await open(page, '/login');
  await page.evaluate(() => document.querySelector('main, body').append(Object.assign(document.createElement('input'), { type: 'text' })));
  assert.ok((await violations(page)).some((v) => v.startsWith('label ')), 'axe reports the unlabelled input');
  await context.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`no axe violations on any page, in the ${colorScheme} theme`, async () => {
    const { page, context } = await newPage(env.browser, { colorScheme });
    const found = {};
    const audit = async (what) => { found[what] = await violations(page); };

    await open(page, '/login');
    await audit('Sign in');
    await open(page, '/signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('.field-error').first().waitFor();
    await audit('Create account, with field errors');

    await signUpViaApi(page, env.store);
    await open(page, '/welcome');
    await audit('the first-login picker');
    for (const [path, what] of [
      ['/integrations/microsoft/m365/new', 'Link a New Microsoft Account'],
      ['/integrations/azure/new', 'Link a New Azure Account'],
      ['/integrations/aws/new', 'Link a New AWS Account'],
    ]) {
      await open(page, path);
      await audit(what);
    }
    // The AWS form as it is after a Connect with nothing filled in, with the guide open.
    await page.getByRole('button', { name: 'Step-by-step setup guide' }).click();
    await page.getByRole('button', { name: 'Connect' }).click({ force: true });
    await page.locator('.field-error').first().waitFor();
    await audit('Link a New AWS Account, with field errors and the guide');

    const id = colorScheme === 'light' ? '1a000000-0000-4000-8000-0000000000a1' : '1a000000-0000-4000-8000-0000000000a2';
    await connectViaApi(page, env.store, id, 'Audited account');
    await open(page, '/integrations');
    await page.getByRole('link', { name: 'Audited account' }).waitFor();
    await audit('Integrations, with a linked account');
    await open(page, `/integrations/${id}`);
    await audit('the account page');
    await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));
    await audit('the account page, every disclosure open');
    await open(page, '/');
    await audit('Home');
    // Members, with an invitation link shown and one pending; Activity, with entries; Join.
    await open(page, '/members');
    await page.getByRole('textbox', { name: 'Email' }).fill(`invitee-${colorScheme}@example.com`);
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = (await page.getByTestId('invitation-link').locator('code').textContent()).trim();
    await page.getByTestId('invitations').locator('li').first().waitFor();
    await audit('Members, with an invitation');
    await open(page, '/activity');
    await page.getByTestId('activity-list').waitFor();
    await audit('Activity');
    await open(page, '/security');
    await page.getByTestId('sessions').waitFor();
    await audit('Security');
    // Sign in with "Forgot password?" open; a reset link opened (a made-up one: its alert too).
    const forgetful = await newPage(env.browser, { colorScheme });
    await forgetful.page.goto(env.store.url + '/login');
    await forgetful.page.getByText('Forgot password?').click();
    found['Sign in, with Forgot password? open'] = await violations(forgetful.page);
    await forgetful.page.goto(env.store.url + '/reset#' + 'A'.repeat(43));
    await forgetful.page.getByRole('alert').filter({ hasText: 'This reset link cannot be used' }).waitFor();
    found['Choose a new password, from a link that cannot be used'] = await violations(forgetful.page);
    await forgetful.context.close();
    // On a phone: the account page with its details and Rename or disconnect folded, then the
    // navigation's menu open.
    const phone = await newPage(env.browser, { colorScheme, viewport: { width: 360, height: 740 } });
    await signUpViaApi(phone.page, env.store);
    const phoneAccount = colorScheme === 'light' ? '1a000000-0000-4000-8000-0000000000b1' : '1a000000-0000-4000-8000-0000000000b2';
    await connectViaApi(phone.page, env.store, phoneAccount, 'Audited on a phone');
    await open(phone.page, `/integrations/${phoneAccount}`);
    found['the account page on a phone'] = await violations(phone.page);
    await phone.page.getByRole('button', { name: 'Menu' }).click();
    await phone.page.getByRole('link', { name: 'Integrations' }).waitFor();
    found['the menu open on a phone'] = await violations(phone.page);
    await phone.context.close();
    const joining = await newPage(env.browser, { colorScheme });
    await joining.page.goto(link);
    await joining.page.getByText('invited you to join').waitFor();
    found['Join, from an invitation link'] = await violations(joining.page);
    await joining.context.close();
    // The sign-out question, with a change waiting (the records API out of reach).
    await open(page, `/integrations/${id}`);
    await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor();
    await page.route('**/api/v1/records**', (route) => route.abort('internetdisconnected'));
    await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('Audited account, renamed');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('dialog').waitFor();
    await audit('the sign-out dialog');
    await page.keyboard.press('Escape');

    const failing = Object.entries(found).filter(([, v]) => v.length);
    assert.deepEqual(failing, [], failing.map(([what, v]) => `${what}:\n  ${v.join('\n  ')}`).join('\n'));
    assert.equal(Object.keys(found).length, 20, 'every page was audited');
    await context.close();
  });
}
