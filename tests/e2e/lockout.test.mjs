// Strangers cannot lock anyone out (issue 31, part 4): a browser that has signed in to an account
// keeps a device cookie, and its sign-ins are counted on their own, so a stranger's wrong
// passwords for the owner's email do not keep the owner out of it. A browser that never signed in
// to the account still waits. The store runs behind a "proxy" (loopback is trusted), so the
// stranger's guesses can come from an address of their own.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStore, launchBrowser, newPage, signUpViaApi, signInThroughForm, PASSWORD } from './harness.mjs';

const env = {};
before(async () => {
  env.store = await startStore({ args: ['--trusted-proxies', '127.0.0.1'] });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.store?.stop();
});

const signIn = (page, email, password) => signInThroughForm(page, env.store.url, email, password);

test('50 wrong passwords from a stranger, then the owner signs in at once from the browser they used before; a new browser waits', async () => {
  const owner = await newPage(env.browser);
  const { user } = await signUpViaApi(owner.page, env.store, { organization: 'Contoso' });
  // The owner signs in from this browser once (the sign-in page), then signs out.
  await owner.page.request.post(env.store.url + '/api/v1/auth/logout', { headers: { origin: env.store.url } });
  await signIn(owner.page, user.email, PASSWORD);
  await owner.page.waitForURL((url) => !url.pathname.startsWith('/login'));
  const cookies = await owner.context.cookies(env.store.url + '/api/v1/auth/login');
  const device = cookies.find((c) => c.name === 'xops_device');
  assert.ok(device, 'the browser keeps a device cookie');
  assert.equal(device.httpOnly, true);
  assert.equal(device.sameSite, 'Strict');
  assert.equal(device.path, '/api/v1/auth');
  await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await owner.page.waitForURL(env.store.url + '/login');

  // A stranger, elsewhere, guesses: 50 times, and on, as long as the test runs (each wait the
  // throttle imposes is met with the next guess).
  const statuses = [];
  let guessing = true;
  // Between two of the account's waits it is open until the stranger's next guess (up to ~60 ms):
  // a new browser that arrived just then would get in. So it comes during a long wait (8 s, in
  // which its sign-in is sure to land), seen on the stranger's 429.
  let longWait = false;
  const stranger = (async () => {
    for (let i = 0; guessing || i < 50; i++) {
      const res = await fetch(env.store.url + '/api/v1/auth/login', {
        method: 'POST',
        headers: { origin: env.store.url, 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.66' },
        body: JSON.stringify({ email: user.email, password: `guess number ${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429 && Number(res.headers.get('retry-after')) >= 8) longWait = true;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  while (statuses.length < 50) await new Promise((r) => setTimeout(r, 100));
  assert.ok(statuses.filter((s) => s === 429).length >= 40, `the stranger is throttled: ${statuses.join(' ')}`);

  while (!longWait) await new Promise((r) => setTimeout(r, 50));

  // A browser that never signed in to this account: the account's wait, said on the form.
  const other = await newPage(env.browser);
  await signIn(other.page, user.email, PASSWORD);
  await other.page.getByText('Too many failed sign-ins').waitFor();
  assert.ok(new URL(other.page.url()).pathname.startsWith('/login'));

  // The owner, in the browser they used before, while the stranger is still at it: in at once.
  await signIn(owner.page, user.email, PASSWORD);
  await owner.page.waitForURL((url) => !url.pathname.startsWith('/login'));
  guessing = false;
  await stranger;
  assert.deepEqual(owner.problems, []);
  await owner.context.close();
  await other.context.close();
});
