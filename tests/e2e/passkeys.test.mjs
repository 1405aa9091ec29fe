// Passkeys (issue 31, part 1), with Chromium's virtual authenticator standing in for a phone or a
// laptop's screen lock: a person adds a passkey on the Security page, signs out, signs in with it
// without typing anything, and removes it (it then signs no one in); an owner requires passkeys
// and a member without one, in another browser, is asked to add one and sees nothing else until
// they do. Passkeys belong to a site's name, not an address: these pages are opened at localhost.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStore, launchBrowser, newPage, signInThroughForm, joinViaApi, PASSWORD } from './harness.mjs';

const env = {};
before(async () => {
  // At info, the store logs each passkey added and each sign-in with one: never key material.
  env.store = await startStore({ logLevel: 'info' });
  env.base = env.store.url.replace('127.0.0.1', 'localhost');
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.store?.stop();
});

/** A browser profile with a virtual authenticator (a platform one that verifies its user). */
async function withAuthenticator() {
  const p = await newPage(env.browser);
  const cdp = await p.context.newCDPSession(p.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  p.credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return p;
}

async function signUp(page, email, organization) {
  const res = await page.request.post(env.base + '/api/v1/auth/signup', {
    headers: { origin: env.base }, data: { organization, email, password: PASSWORD },
  });
  assert.equal(res.status(), 201);
}

async function addPasskey(page, name) {
  await page.goto(env.base + '/security');
  const field = page.getByRole('textbox', { name: 'Passkey name' });
  await field.waitFor();
  assert.equal(await field.inputValue(), 'Chromium on Linux', 'named after this browser until the person names it');
  await field.fill(name);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByRole('status').filter({ hasText: `Added the passkey “${name}”.` }).waitFor();
  await page.getByTestId('passkeys').getByText(name).waitFor();
}

async function signOut(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
}

const meStatus = (page) => page.evaluate(async () => (await fetch('/api/v1/me')).status);

test('add a passkey, sign out, sign in with it without typing anything; once removed it signs no one in', async () => {
  const ada = await withAuthenticator();
  await signUp(ada.page, 'ada@contoso.com', 'Contoso');
  await addPasskey(ada.page, 'Work laptop');
  const held = await ada.credentials();
  assert.equal(held.length, 1, 'the authenticator holds one passkey');
  assert.equal(held[0].isResidentCredential, true, 'a discoverable one: no email needed to use it');
  // The store keeps only the public half: nothing of the private key is in any answer it gives.
  const listed = await ada.page.evaluate(async () => (await fetch('/api/v1/passkeys')).text());
  assert.ok(!listed.includes(held[0].privateKey), listed);
  const logs = env.store.logs();
  assert.match(logs, /added a passkey/, 'the store logs at info');
  for (const secret of [held[0].privateKey, held[0].credentialId, held[0].userHandle]) {
    assert.ok(!logs.includes(secret), `key material in the store's log: ${secret}`);
  }

  await signOut(ada.page);
  await ada.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await ada.page.waitForURL((url) => !url.pathname.startsWith('/login'));
  assert.equal(await ada.page.getByLabel('Email').count(), 0);
  assert.equal(await meStatus(ada.page), 200);
  await ada.page.goto(env.base + '/security');
  await ada.page.getByTestId('passkeys').getByText(/Work laptop \(added .*, last used /).waitFor();

  // Removed: the authenticator still offers it, and Xops refuses it.
  await ada.page.getByRole('button', { name: 'Remove the passkey Work laptop' }).click();
  await ada.page.getByRole('status').filter({ hasText: 'Removed the passkey “Work laptop”.' }).waitFor();
  await ada.page.getByText('You have no passkeys yet.').waitFor();
  await signOut(ada.page);
  await ada.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await ada.page.getByRole('alert').filter({ hasText: 'This passkey is not one Xops knows' }).waitFor();
  assert.ok(new URL(ada.page.url()).pathname.startsWith('/login'));
  // The password still works.
  await signInThroughForm(ada.page, env.base, 'ada@contoso.com');
  await ada.page.waitForURL((url) => !url.pathname.startsWith('/login'));
  assert.deepEqual(ada.problems.filter((p) => !p.includes('400') && !p.includes('401')), []);
  await ada.context.close();
});

test('once the owner requires passkeys, a member without one is asked to add one and sees nothing else until then', async () => {
  const ada = await withAuthenticator();
  await signUp(ada.page, 'ada@fabrikam.com', 'Fabrikam');
  await addPasskey(ada.page, 'Ada’s laptop');
  const grace = await withAuthenticator();
  // (Passkeys are tied to a domain name: this store is reached as localhost.)
  await joinViaApi(ada.page, grace.page, { url: env.base }, { email: 'grace@fabrikam.com', role: 'admin' });
  await grace.page.goto(env.base + '/integrations');
  await grace.page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();

  // Ada requires passkeys.
  await ada.page.goto(env.base + '/security');
  await ada.page.getByRole('checkbox', { name: 'Require a passkey for every member' }).check();
  await ada.page.getByRole('status').filter({ hasText: 'Every member now needs a passkey' }).waitFor();

  // Grace, in her own browser, is asked to add one wherever she goes.
  await grace.page.goto(env.base + '/integrations');
  await grace.page.getByRole('alert').filter({ hasText: 'Your organization requires a passkey for signing in.' }).waitFor();
  assert.equal(await grace.page.getByRole('heading', { name: 'Integrations', level: 1 }).count(), 0);
  const refused = await grace.page.evaluate(async () => {
    const res = await fetch('/api/v1/records');
    return [res.status, (await res.json()).error.code];
  });
  assert.deepEqual(refused, [403, 'passkey_required']);
  await addPasskey(grace.page, 'Grace’s phone');
  await grace.page.goto(env.base + '/integrations');
  await grace.page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
  // Signing in again, her passkey is the way in.
  await signOut(grace.page);
  await grace.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await grace.page.waitForURL((url) => !url.pathname.startsWith('/login'));
  assert.equal(await meStatus(grace.page), 200);
  for (const p of [ada, grace]) await p.context.close();
});
