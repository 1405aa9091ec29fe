// Teams (issue 17), as the acceptance reads: Ada creates an organization and invites Grace as an
// admin and Linus as a viewer on the Members page; each joins through their link in a browser of
// their own; Grace links a Microsoft 365 account; Linus sees it, his pages offer no change, and
// the store refuses every change he tries anyway; Ada sees who did what on Activity; Ada removes
// Linus and his open session stops at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectViaApi, joinViaApi, newPage, signUpViaApi, storedRecord, PASSWORD } from './harness.mjs';
import { linkM365, synced, useMicrosoft } from './microsoft.mjs';

const APP = '44444444-5555-4666-8777-888888888888';
const TENANT = '00000002-cccc-4ddd-8eee-000000000000';
const env = useMicrosoft({ before, after });

/** Invites `email` as `role` on the Members page; returns the link the page shows. */
async function invite(page, email, role) {
  const form = page.getByRole('region', { name: 'Invite a colleague' });
  await form.getByRole('textbox', { name: 'Email' }).fill(email);
  await form.getByRole('combobox', { name: 'Role' }).selectOption(role);
  await form.getByRole('button', { name: 'Create invitation link' }).click();
  const shown = page.getByTestId('invitation-link').filter({ hasText: email });
  await shown.waitFor();
  return (await shown.locator('code').textContent()).trim();
}

/** Opens an invitation link in a fresh browser profile and joins; returns the signed-in page. */
async function joinThrough(link, expectLead) {
  const { page, problems } = await newPage(env.browser);
  await page.goto(link);
  await page.getByText(expectLead).waitFor();
  const email = page.getByRole('textbox', { name: 'Email' });
  assert.equal(await email.getAttribute('readonly'), '', 'the invited address is shown, not typed');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/join'));
  return { page, problems };
}

test('an owner invites an admin and a viewer; the viewer changes nothing; the owner sees it all on Activity', async () => {
  env.entra.addTenant(TENANT, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  env.entra.addApp(TENANT, APP);

  const ada = await newPage(env.browser);
  await signUpViaApi(ada.page, env.store, { organization: 'Contoso', email: 'ada@contoso.com' });
  await ada.page.goto(env.store.url + '/members');
  await ada.page.getByRole('heading', { name: 'Members' }).waitFor();
  const graceLink = await invite(ada.page, 'grace@contoso.com', 'admin');
  const linusLink = await invite(ada.page, 'linus@contoso.com', 'viewer');
  assert.match(graceLink, new RegExp(`^${env.store.url}/join#[A-Za-z0-9_-]{43}$`), 'the token rides in the fragment');
  const pending = ada.page.getByTestId('invitations');
  await pending.getByText('grace@contoso.com as admin').waitFor();
  await pending.getByText('linus@contoso.com as viewer').waitFor();
  // The store's word on an address (a member already) goes beside the Email field.
  const inviteForm = ada.page.getByRole('region', { name: 'Invite a colleague' });
  await inviteForm.getByRole('textbox', { name: 'Email' }).fill('ada@contoso.com');
  await inviteForm.getByRole('button', { name: 'Create invitation link' }).click();
  await ada.page.locator('#invite-email-error').filter({ hasText: 'is already a member of your organization' }).waitFor();
  assert.equal(await inviteForm.getByRole('textbox', { name: 'Email' }).getAttribute('aria-invalid'), 'true');

  const grace = await joinThrough(graceLink, 'ada@contoso.com invited you to join Contoso on Xops as an admin.');
  const linus = await joinThrough(linusLink, 'ada@contoso.com invited you to join Contoso on Xops as a viewer.');
  // A used link cannot be used again.
  const again = await newPage(env.browser);
  await again.page.goto(graceLink);
  await again.page.getByRole('alert').filter({ hasText: 'was used already, revoked, or has expired' }).waitFor();

  // Grace (admin) links a Microsoft 365 account through the form.
  const { id } = await linkM365(grace.page, env.store.url, { tenantId: TENANT, appId: APP, name: 'Contoso M365' });

  // Linus (viewer) sees it, with no way to change it ...
  await linus.page.goto(`${env.store.url}/integrations/${id}`);
  await linus.page.getByRole('heading', { name: 'Contoso M365' }).waitFor();
  await linus.page.getByTestId('read-only-note').first().waitFor();
  for (const name of ['Test connection', 'Rename', 'Disconnect', 'Renew certificate', 'Replace certificate', 'Add this browser']) {
    assert.equal(await linus.page.getByRole('button', { name, exact: true }).count(), 0, `a viewer is offered ${name}`);
  }
  await linus.page.getByRole('region', { name: 'History' }).getByText('grace@contoso.com linked an account').waitFor();
  await linus.page.goto(env.store.url + '/integrations/microsoft/m365/new');
  await linus.page.getByTestId('read-only-note').waitFor();
  assert.equal(await linus.page.getByRole('button', { name: 'Connect' }).count(), 0);
  await linus.page.goto(env.store.url + '/integrations');
  await linus.page.getByRole('link', { name: 'Contoso M365' }).waitFor();
  assert.equal(await linus.page.locator('.provider-cards').count(), 0, 'no AWS, Azure or Microsoft card to link with');
  await linus.page.getByTestId('read-only-note').waitFor();
  // ... and the store refuses the changes his pages do not offer, when sent anyway.
  const tries = await linus.page.evaluate(async (id) => {
    const rec = await (await fetch(`/api/v1/records/${id}`)).json();
    const put = await fetch(`/api/v1/records/${id}`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': `"${rec.revision}"` },
      body: JSON.stringify({ kind: 'integration', body: { ...rec.body, name: 'Renamed by Linus' } }),
    });
    const del = await fetch(`/api/v1/records/${id}`, { method: 'DELETE', headers: { 'if-match': `"${rec.revision}"` } });
    const inv = await fetch('/api/v1/invitations', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x@contoso.com', role: 'viewer' }),
    });
    return Promise.all([put, del, inv].map(async (r) => [r.status, (await r.json()).error.code]));
  }, id);
  assert.deepEqual(tries, [[403, 'forbidden'], [403, 'forbidden'], [403, 'forbidden']]);

  // Ada sees who did what on Activity, newest first, and filters by person.
  await ada.page.goto(env.store.url + '/activity');
  const list = ada.page.getByTestId('activity-list');
  await list.getByText('grace@contoso.com linked an account').waitFor();
  const entries = (await list.locator('.activity-what').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.deepEqual(entries.map((e) => e.replace(/ \(.*\)$/, '')), [
    'grace@contoso.com linked an account Contoso M365',
    'linus@contoso.com joined the organization',
    'grace@contoso.com joined the organization',
    'ada@contoso.com invited a member',
    'ada@contoso.com invited a member',
  ]);
  await ada.page.getByRole('combobox', { name: 'Person' }).selectOption({ label: 'linus@contoso.com' });
  await list.locator('.activity-entry').nth(1).waitFor({ state: 'detached' });
  assert.deepEqual((await list.locator('.activity-what').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
    ['linus@contoso.com joined the organization (as viewer)']);
  // The filter is in the address, so the page can be shared; an address whose filter no longer
  // reads says so and shows everything rather than an error.
  assert.match(ada.page.url(), /[?&]person=[0-9a-f-]{36}/);
  await ada.page.goto(env.store.url + '/activity?kind=account_linkd');
  await ada.page.getByRole('status').filter({ hasText: 'asks for an account, person or kind of activity that Xops does not know' }).waitFor();
  await list.locator('.activity-entry').nth(4).waitFor();

  // Ada removes Linus; his open session stops at once.
  await ada.page.goto(env.store.url + '/members');
  const row = ada.page.locator('tr[data-email="linus@contoso.com"]');
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Remove member' }).click();
  await row.waitFor({ state: 'detached' });
  const after = await linus.page.evaluate(async () => (await fetch('/api/v1/records')).status);
  assert.equal(after, 401);
  await linus.page.goto(env.store.url + '/integrations');
  await linus.page.waitForURL(/\/login/);

  // Ada's one 409 is the invitation of a member this test provoked.
  const provoked = (p, x) => p === ada && x.includes('status of 409');
  for (const p of [ada, grace, linus]) {
    assert.deepEqual(p.problems.filter((x) => !x.includes('403') && !x.includes('401') && !provoked(p, x)), []);
  }
});

test('an admin demoted while offline has the waiting change refused with a notice, and the pages turn read-only', async () => {
  const origin = { origin: env.store.url };
  const ada = await newPage(env.browser);
  await signUpViaApi(ada.page, env.store, { organization: 'Initech', email: 'ada@initech.example' });
  const grace = await newPage(env.browser);
  const graceMe = await joinViaApi(ada.page, grace.page, env.store, { email: 'grace@initech.example', role: 'admin' });
  const id = '1a000000-0000-4000-8000-000000000017';
  await connectViaApi(grace.page, env.store, id, 'Shared account');
  await grace.page.goto(`${env.store.url}/integrations/${id}`);
  await synced(grace.page);

  // Offline, Grace renames it; meanwhile Ada makes her a viewer.
  await grace.page.route('**/api/v1/records**', (route) => route.abort('internetdisconnected'));
  await grace.page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('Renamed offline');
  await grace.page.getByRole('button', { name: 'Rename' }).click();
  await grace.page.getByTestId('sync-status').getByText('Offline — 1 change waiting').waitFor();
  const demoted = await ada.page.request.put(`${env.store.url}/api/v1/members/${graceMe.user.id}/role`, { headers: origin, data: { role: 'viewer' } });
  assert.equal(demoted.status(), 200);

  // Back online: the change is refused, said plainly, and nothing else is offered.
  await grace.page.unroute('**/api/v1/records**');
  await grace.page.evaluate(() => window.dispatchEvent(new Event('online')));
  const notice = grace.page.getByRole('alert').filter({ hasText: 'was not saved' });
  await notice.waitFor();
  assert.match(await notice.textContent(), /Your change to “Renamed offline” was not saved: You cannot change accounts\. As a viewer you can see accounts and activity, but not change them\./);
  await grace.page.getByTestId('read-only-note').first().waitFor();
  assert.equal(await grace.page.getByRole('region', { name: 'Rename' }).count(), 0);
  await grace.page.getByRole('heading', { level: 1, name: 'Shared account' }).waitFor();
  assert.equal((await storedRecord(grace.page, env.store, id)).body.name, 'Shared account');
});
