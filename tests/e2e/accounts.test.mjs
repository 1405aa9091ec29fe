// Accounts, end to end: a new person signs up, meets the first-login picker, signs out and in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStoreAndBrowser, newPage, PASSWORD } from './harness.mjs';
const env = useStoreAndBrowser({ before, after });

async function signUp(page, { organization, email, password = PASSWORD }) {
  await page.goto(env.store.url + '/signup');
  await page.getByLabel('Organization name').fill(organization);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

async function signIn(page, { email, password = PASSWORD }) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const h1 = (page) => page.getByRole('heading', { level: 1 });

test('sign up → the picker → sign out → sign in → the picker again, since nothing is connected', async () => {
  const { page, problems, context } = await newPage(env.browser);
  await signUp(page, { organization: 'Contoso', email: 'ada@contoso.com' });
  await page.waitForURL(env.store.url + '/welcome');
  assert.equal(await h1(page).textContent(), 'Select your preferred cloud service or platform');
  for (const name of ['AWS', 'Azure', 'Microsoft']) {
    assert.ok(await page.getByRole('link', { name: new RegExp(`^${name}`) }).isVisible(), name);
  }
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.match(await nav.textContent(), /ada@contoso\.com/);

  // Home is not reachable before a first account is connected: it sends the person back here.
  await nav.getByRole('link', { name: 'Home' }).click();
  await page.waitForURL(env.store.url + '/welcome');

  // Microsoft leads to the M365 link page.
  await page.getByRole('link', { name: /^Microsoft/ }).click();
  await page.waitForURL(env.store.url + '/integrations/microsoft/m365/new');
  assert.equal(await h1(page).textContent(), 'Link a New Microsoft Account');

  await nav.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(env.store.url + '/login');
  // The session is gone on the server too.
  assert.equal((await page.request.get(env.store.url + '/api/v1/me')).status(), 401);

  await signIn(page, { email: 'ada@contoso.com' });
  await page.waitForURL(env.store.url + '/welcome');
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  await context.close();
});

test('a first visit to Sign in leaves the console empty', async () => {
  const { page, context, problems } = await newPage(env.browser);
  await page.goto(env.store.url + '/login');
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.waitForLoadState('networkidle');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a deep link while signed out → sign in → back at the deep link', async () => {
  const seed = await newPage(env.browser);
  await signUp(seed.page, { organization: 'Fabrikam', email: 'bob@fabrikam.com' });
  await seed.page.waitForURL(env.store.url + '/welcome');
  await seed.context.close();

  const { page, context } = await newPage(env.browser);
  await page.goto(env.store.url + '/integrations/azure/new');
  await page.waitForURL(/\/login\?next=/);
  assert.equal(await h1(page).textContent(), 'Sign in');
  await signIn(page, { email: 'bob@fabrikam.com' });
  await page.waitForURL(env.store.url + '/integrations/azure/new');
  assert.equal(await h1(page).textContent(), 'Link a New Azure Account');
  await context.close();
});

test('a wrong password shows the message beside the form and keeps the email', async () => {
  const { page, context } = await newPage(env.browser);
  await page.goto(env.store.url + '/login');
  await signIn(page, { email: 'nobody@contoso.com', password: 'not the password' });
  const alert = page.getByRole('alert').filter({ hasText: 'do not match' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /That email and password do not match an account/);
  assert.equal(await page.getByLabel('Email').inputValue(), 'nobody@contoso.com');
  assert.equal(page.url(), env.store.url + '/login');
  await context.close();
});

test('sign-up problems appear beside their fields; the button cannot submit twice', async () => {
  const { page, context } = await newPage(env.browser);
  await signUp(page, { organization: 'Contoso Two', email: 'ada@contoso.com' });
  // The email is taken (the first test made it): the store says so beside the Email field.
  const emailError = page.locator('#email-error');
  await emailError.waitFor({ state: 'visible' });
  assert.match(await emailError.textContent(), /sign in instead/);
  assert.equal(await page.getByLabel('Organization name').inputValue(), 'Contoso Two');

  // Several quick clicks create one account, not several.
  await page.getByLabel('Email').fill('cy@contoso.com');
  // The message goes as soon as the value is corrected (so nothing shifts under the pointer).
  await emailError.waitFor({ state: 'hidden' });
  const button = page.locator('form button[type=submit]');
  await button.waitFor();
  // Forced clicks do not wait for the button between them; the first cannot find it gone.
  await Promise.all([button.click({ force: true }), button.click({ force: true }).catch(() => {}), button.click({ force: true }).catch(() => {})]);
  await page.waitForURL(env.store.url + '/welcome');
  const again = await page.request.post(env.store.url + '/api/v1/auth/signup', {
    headers: { origin: env.store.url },
    data: { organization: 'X', email: 'cy@contoso.com', password: PASSWORD },
  });
  assert.equal(again.status(), 409, 'the account exists once');
  await context.close();
});

test('once an account is connected, sign-in lands on Home and the picker steps aside', async () => {
  const { page, problems, context } = await newPage(env.browser);
  await signUp(page, { organization: 'Northwind', email: 'dee@northwind.com' });
  await page.waitForURL(env.store.url + '/welcome');
  // Connect an account through the record store (the M365 form arrives with its own issue).
  const res = await page.request.put(env.store.url + '/api/v1/records/0f0e0d0c-0b0a-4908-8706-050403020100', {
    headers: { origin: env.store.url, 'if-none-match': '*' },
    data: {
      kind: 'integration',
      body: {
        name: 'Northwind M365',
        details: { provider: 'microsoft365', tenant_id: '72f988bf-86f1-41af-91ab-2d7cd011db47',
          application_id: '11111111-2222-3333-4444-555555555555', organization: 'northwind.onmicrosoft.com' },
        certificate: null, status: 'connected', created_at: Date.now(), updated_at: Date.now(),
      },
    },
  });
  assert.equal(res.status(), 201, await res.text());

  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(env.store.url + '/login');
  await signIn(page, { email: 'dee@northwind.com' });
  await page.waitForURL(env.store.url + '/');
  assert.equal(await h1(page).textContent(), 'Home');
  assert.match(await page.locator('main').textContent(), /dee@northwind\.com[\s\S]*Northwind/);
  // The record reached this browser through the sync engine: Home counts it, and all is saved.
  const summary = page.getByRole('region', { name: 'Linked accounts' });
  await summary.getByText('Microsoft 365').waitFor();
  await page.waitForFunction(() => /^\s*1\s*Microsoft 365/.test(document.querySelector('.summary li').textContent));
  await page.getByTestId('sync-status').getByText('Saved', { exact: true }).waitFor();

  await page.goto(env.store.url + '/welcome');
  await page.waitForURL(env.store.url + '/');
  assert.equal(await h1(page).textContent(), 'Home');
  const ours = async () => (await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)))
    .filter((n) => n.startsWith('xops-records-'));
  assert.equal((await ours()).length, 1, 'this person has a local copy while signed in');

  // Signing out removes this person's records from the browser.
  await nav.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(env.store.url + '/login');
  assert.deepEqual(await ours(), []);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  await context.close();
});
