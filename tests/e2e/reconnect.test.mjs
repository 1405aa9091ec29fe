// The store goes away for 20 s and comes back: a change made meanwhile reaches it within seconds
// of its return, not at the end of the sync's backoff (which grows to 32 s).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStore, launchBrowser, newPage, signUpViaApi, connectViaApi } from './harness.mjs';

const env = {};
after(async () => {
  await env.browser?.close();
  await env.store?.stop();
});

test('a change made while the store was down reaches it within 5 s of its return', async () => {
  env.browser = await launchBrowser();
  let store = await startStore();
  env.store = store;
  const { page, context } = await newPage(env.browser);
  context.setDefaultTimeout(60_000);
  await signUpViaApi(page, store);
  const id = '4d000000-0000-4000-8000-000000000001';
  await connectViaApi(page, store, id, 'Before the outage');
  await page.goto(`${store.url}/integrations/${id}`);
  const status = page.getByTestId('sync-status');
  await status.getByText('Saved', { exact: true }).waitFor();

  await store.pause();
  await page.getByRole('textbox', { name: 'Microsoft Account Name' }).fill('Made during the outage');
  await page.getByRole('button', { name: 'Rename' }).click();
  await status.getByText('Offline — 1 change waiting').waitFor();
  await new Promise((r) => setTimeout(r, 20_000));

  store = await startStore({ dir: store.dir, listen: new URL(store.url).host });
  env.store = store;
  const back = Date.now();
  let arrived = null;
  while (Date.now() - back < 40_000) {
    const res = await page.request.get(`${store.url}/api/v1/records/${id}`);
    if (res.ok() && (await res.json()).body.name === 'Made during the outage') {
      arrived = Date.now() - back;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`the change arrived ${arrived} ms after the store answered again`);
  assert.ok(arrived !== null && arrived <= 5_000, `arrived after ${arrived} ms`);
  await status.getByText('Saved', { exact: true }).waitFor();
  await context.close();
});
