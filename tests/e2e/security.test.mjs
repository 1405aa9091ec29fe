// A person's own sign-in (issue 31, parts 2 and 3), as a person does it: the Security page lists
// where they are signed in and signs out one or all other sessions (that browser's next request
// gets 401); an owner makes a reset link on the Members page, the member sets a new password with
// it, and every earlier session of theirs ends; a used or made-up link is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, newPage, signUpViaApi, signInThroughForm, joinViaApi, PASSWORD } from './harness.mjs';

// At info, the store logs each sign-out, reset link and password reset: never a token.
const env = useStoreAndBrowser({ before, after, store: { logLevel: 'info' } });

async function signIn(page, email, password) {
  await signInThroughForm(page, env.store.url, email, password);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

const meStatus = (page) => page.evaluate(async () => (await fetch('/api/v1/me')).status);
const unexpected = (problems) => problems.filter((p) => !p.includes('401') && !p.includes('410'));

test('the Security page signs out one session, then all others; those browsers must sign in again', async () => {
  const laptop = await newPage(env.browser);
  const { user } = await signUpViaApi(laptop.page, env.store, { organization: 'Contoso', email: 'ada@contoso.com' });
  const desktop = await newPage(env.browser);
  const phone = await newPage(env.browser);
  await signIn(desktop.page, user.email, PASSWORD);
  await signIn(phone.page, user.email, PASSWORD);

  await laptop.page.goto(env.store.url + '/');
  await laptop.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
  await laptop.page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
  const table = laptop.page.getByTestId('sessions');
  await table.locator('tbody tr').nth(2).waitFor();
  assert.equal(await table.locator('tbody tr').count(), 3);
  const first = table.locator('tbody tr').first();
  assert.equal(await first.getAttribute('data-this-browser'), 'true', 'this browser comes first');
  await first.getByText('This browser').waitFor();
  assert.equal(await first.getByRole('button').count(), 0, 'this browser signs out with the navigation, not here');
  await table.getByText('Chromium on Linux').first().waitFor();
  await table.getByText('127.0.0.1').first().waitFor();

  // One session: the second row (the most recently seen other browser).
  await table.getByRole('button', { name: 'Sign out Chromium on Linux (127.0.0.1)' }).first().click();
  await laptop.page.getByRole('status').filter({ hasText: 'Signed out Chromium on Linux (127.0.0.1).' }).waitFor();
  await table.locator('tbody tr').nth(2).waitFor({ state: 'detached' });
  const statuses = [await meStatus(desktop.page), await meStatus(phone.page)].sort();
  assert.deepEqual(statuses, [200, 401], 'exactly one of the other browsers was signed out');

  // All others: only this one is left, and the other browser is sent to Sign in.
  await laptop.page.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await laptop.page.getByRole('status').filter({ hasText: 'Signed out 1 other session.' }).waitFor();
  await table.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
  assert.equal(await laptop.page.getByRole('button', { name: 'Sign out all other sessions' }).isDisabled(), true);
  for (const other of [desktop, phone]) {
    assert.equal(await meStatus(other.page), 401);
    await other.page.goto(env.store.url + '/integrations');
    await other.page.waitForURL(/\/login/);
  }
  assert.equal(await meStatus(laptop.page), 200);
  assert.deepEqual(unexpected(laptop.problems), []);
  for (const p of [laptop, desktop, phone]) await p.context.close();
});

test('an owner makes a reset link; it sets a new password once and ends the member\'s other sessions', async () => {
  const ada = await newPage(env.browser);
  await signUpViaApi(ada.page, env.store, { organization: 'Fabrikam', email: 'ada@fabrikam.com' });
  const grace = await newPage(env.browser);
  await joinViaApi(ada.page, grace.page, env.store, { email: 'grace@fabrikam.com', role: 'viewer' });
  await grace.page.goto(env.store.url + '/');

  // The sign-in page says who can help.
  const forgetful = await newPage(env.browser);
  await forgetful.page.goto(env.store.url + '/login');
  await forgetful.page.getByText('Forgot password?').click();
  await forgetful.page.getByText('Ask an owner or admin of your organization on Xops').waitFor();

  // Ada makes the link on the Members page.
  await ada.page.goto(env.store.url + '/members');
  const row = ada.page.locator('tr[data-email="grace@fabrikam.com"]');
  await row.getByRole('button', { name: 'Make a password reset link for grace@fabrikam.com' }).click();
  const shown = ada.page.getByTestId('reset-link');
  await shown.getByText('Give this link to grace@fabrikam.com only.').waitFor();
  const link = (await shown.locator('code').textContent()).trim();
  assert.match(link, new RegExp(`^${env.store.url}/reset#[A-Za-z0-9_-]{43}$`), 'the token rides in the fragment');
  const own = ada.page.locator('tr[data-email="ada@fabrikam.com"]');
  assert.equal(await own.getByRole('button', { name: /reset link/ }).count(), 0, 'no link for oneself');
  assert.equal(await own.getByRole('button', { name: 'Remove' }).count(), 0, 'nor a Remove on one\'s own row');

  // Grace, in the browser she asked from, sets a new password with it.
  await forgetful.page.goto(link);
  await forgetful.page.getByText('Choose a new password for grace@fabrikam.com in Fabrikam.').waitFor();
  const email = forgetful.page.getByRole('textbox', { name: 'Email' });
  assert.equal(await email.getAttribute('readonly'), '');
  assert.equal(await email.inputValue(), 'grace@fabrikam.com');
  await forgetful.page.getByLabel('Password').fill('short');
  await forgetful.page.getByRole('button', { name: 'Set new password' }).click();
  await forgetful.page.locator('#password-error').filter({ hasText: '12' }).waitFor();
  await forgetful.page.getByLabel('Password').fill('a brand new passphrase for grace');
  await forgetful.page.getByRole('button', { name: 'Set new password' }).click();
  await forgetful.page.waitForURL((url) => !url.pathname.startsWith('/reset'));
  assert.equal(await meStatus(forgetful.page), 200, 'the link signs her in here');
  assert.equal(await meStatus(grace.page), 401, 'her earlier session ended');
  assert.equal(await meStatus(ada.page), 200);

  // Once only; a made-up link is refused the same way.
  for (const address of [link, env.store.url + '/reset#' + 'A'.repeat(43)]) {
    const again = await newPage(env.browser);
    await again.page.goto(address);
    await again.page.getByRole('alert').filter({ hasText: 'This reset link cannot be used' }).waitFor();
    await again.context.close();
  }
  // Ada's Activity page says what happened, with no token.
  await ada.page.goto(env.store.url + '/activity');
  const list = ada.page.getByTestId('activity-list');
  await list.getByText('grace@fabrikam.com set a new password with a reset link').waitFor();
  await list.getByText('ada@fabrikam.com made a password reset link').waitFor();
  const token = link.split('#')[1];
  assert.ok(!(await list.textContent()).includes(token));
  assert.match(env.store.logs(), /made a password reset link/, 'the store logs at info');
  assert.ok(!env.store.logs().includes(token), 'nor in the store\'s log');
  assert.deepEqual(unexpected(ada.problems), []);
  assert.deepEqual(unexpected(forgetful.problems), []);
  for (const p of [ada, grace, forgetful]) await p.context.close();
});
