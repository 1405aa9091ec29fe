// Typed text is never lost to a background update (issue 32, item 3). A person types, one key at a
// time, into every text field of an account page while the account changes underneath: another
// member's saves arrive in sync rounds.
// Every character must end up in its field, and the field must keep the focus.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectViaApi, newPage, signUpViaApi } from './harness.mjs';
import { disclose, linkM365, useMicrosoft } from './microsoft.mjs';

const env = useMicrosoft({ before, after });
const TENANT = '0000000a-bbbb-4ccc-8ddd-000000000000';
const APP = '22222222-3333-4444-8555-666666666666';

/** Until `stop()` is called: every ~150 ms the record changes on the store (a save from elsewhere)
 * and the page is told to sync (as when the network comes back). Returns how many changes landed. */
function churn(page, id) {
  let running = true;
  let rounds = 0;
  const done = (async () => {
    while (running) {
      const rec = await (await page.request.get(`${env.store.url}/api/v1/records/${id}`)).json();
      rec.body.updated_at += 1;
      const res = await page.request.put(`${env.store.url}/api/v1/records/${id}`, {
        headers: { origin: env.store.url, 'if-match': `"${rec.revision}"` },
        data: { kind: 'integration', body: rec.body },
      });
      if (res.status() !== 200) throw new Error(`the change from elsewhere failed: ${res.status()} ${await res.text()}`);
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      rounds += 1;
      await new Promise((r) => setTimeout(r, 150));
    }
    return rounds;
  })();
  return { stop: async () => { running = false; return done; } };
}

/**
 * Types each `[label, text]` into its field one key at a time, as a person types, while the
 * record `id` changes underneath (at least 10 sync rounds land): every character stays and the
 * focus does not move, then and after the last round. `clear` empties a field first.
 */
async function typeWhileRecordsChange(page, id, fields, { clear, what }) {
  const changes = churn(page, id);
  try {
    for (const [label, text] of fields) {
      const field = page.getByRole('textbox', { name: label, exact: true });
      await field.click();
      if (clear) {
        await field.press('ControlOrMeta+a');
        await field.press('Delete');
      }
      // One key at a time: a field built anew mid-word loses the rest.
      await page.keyboard.type(text, { delay: 35 });
      assert.equal(await field.inputValue(), text, `${label}: what was typed is all there`);
      assert.ok(await field.evaluate((el) => el === document.activeElement), `${label}: still has the focus`);
    }
  } finally {
    const rounds = await changes.stop();
    assert.ok(rounds >= 10, `${what} changed underneath ${rounds} times`);
  }
  await page.waitForTimeout(500);
  for (const [label, text] of fields) {
    assert.equal(await page.getByRole('textbox', { name: label, exact: true }).inputValue(), text, `${label} after the last round`);
  }
}

test('every field of the account page keeps what is typed while sync rounds land', async () => {
  const { page, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  env.entra.addTenant(TENANT, { displayName: 'Contoso Ltd', domains: ['contoso.onmicrosoft.com'] });
  const objectId = env.entra.addApp(TENANT, APP);
  const { id } = await linkM365(page, env.store.url, { tenantId: TENANT, appId: APP });
  await page.getByText('Private key: held by this browser').waitFor();
  await disclose(page, 'Renew certificate');

  const fields = [
    ['Object ID', objectId],
    ['Certificate ID of the current certificate (optional)', '0f1e2d3c-4b5a-4969-8877-665544332211'],
    ['Microsoft Account Name', 'Contoso production tenant'],
  ];
  // Typed text survives the last rounds too, and the renewal starts with it.
  await typeWhileRecordsChange(page, id, fields, { clear: true, what: 'the account' });
  assert.deepEqual(problems, []);
});

test('the link form keeps what is typed while sync rounds land, and keeps it as a draft across a reload', async () => {
  const { page, problems } = await newPage(env.browser);
  await signUpViaApi(page, env.store);
  // An account of the organization that changes underneath while the form is filled in.
  const id = crypto.randomUUID();
  await connectViaApi(page, env.store, id, 'Fabrikam M365');
  await page.goto(env.store.url + '/integrations/microsoft/m365/new');
  await page.getByRole('heading', { name: 'Link a New Microsoft Account' }).waitFor();

  const fields = [
    ['Microsoft Account Name', 'Contoso production tenant'],
    ['Tenant ID', TENANT],
    ['Application ID', APP],
    ['Organization Name', 'contoso.onmicrosoft.com'],
  ];
  await typeWhileRecordsChange(page, id, fields, { clear: false, what: "the organization's records" });
  // The draft kept after each change is read back after a reload.
  await page.reload();
  for (const [label, text] of fields) {
    await page.waitForFunction(
      ([l, t]) => [...document.querySelectorAll('label')].some((el) => el.textContent.trim() === l && document.getElementById(el.htmlFor)?.value === t),
      [label, text],
    );
  }
  assert.deepEqual(problems, []);
});
