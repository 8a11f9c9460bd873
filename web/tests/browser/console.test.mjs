// The console in a real browser (Debian's chromium, driven by playwright-core) against a real
// `bulwark serve` on a fresh, demo-seeded SQLite database: signing in, every page, issuing and
// revoking a token, a grant approved by a second administrator, the ledger's proofs checked in
// the browser (and failing on a tampered entry), keyboard use, the pre-release review program as
// the lab, the program office and a trusted partner see it (with an insider-risk alert raised by a
// call through the gateway to a `bulwark mock-model` started for it), and an axe-core scan of
// every page with no serious or critical violation. A screenshot of each page is saved under
// build/web-test-artifacts/ (WEB_TEST_ARTIFACTS overrides it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as ui from './browser.mjs';
import { BulwarkServer, MockModel } from './server.mjs';

const PAT = 'admin@program-office.demo'; // platform admin
const EVE = 'evaluator@evaluation-office.demo'; // made the second platform admin below
const LEE = 'lead@frontier-lab.demo'; // the lab's administrator
const RITA = 'it@rural-hospital.demo'; // the hospital, an active partner on Atlas's window
const BEN = 'security@community-bank.demo'; // the bank's administrator, asks for defensive access
const UMA = 'ot@local-utility.demo'; // the utility's administrator

let server;
let browser;
let context;
let page;
let credentials;
let errors; // CSP violations and uncaught errors in the page

async function newPage() {
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const p = await context.newPage();
  errors = new ui.PageErrors(p);
  return p;
}

// axe-core in the page (no serious or critical violation), a screenshot, and no error logged.
async function checkPage(name) {
  await ui.scanPage(page, name);
  errors.expectNone();
}

async function heading(text) {
  await ui.heading(page, text);
}

async function signIn(email) {
  await ui.signIn(page, server.url, email, credentials[email].password);
}

async function signOut() {
  await ui.signOut(page);
}

async function goTo(label, title) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await heading(title);
}

async function signInAs(email) {
  await ui.signInAs(page, server.url, email, credentials[email].password);
}

async function goToReview(label, title) {
  await page.getByRole('navigation', { name: 'Review program' }).getByRole('link', { name: label, exact: true }).click();
  await heading(title);
}

// An <input type="datetime-local"> value `days` from now, in the browser's (and this
// machine's) local time.
function localInput(days) {
  const d = new Date(Date.now() + days * 86400_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// An <input type="date"> value `days` from today, in local time.
function localDate(days) {
  return localInput(days).slice(0, 10);
}

// Calls the model gateway as a partner's program would, with a gateway key.
async function gateway(method, path, key, body) {
  const response = await fetch(`${server.url}/gateway${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, data: type.includes('json') ? await response.json() : await response.text() };
}

before(async () => {
  server = new BulwarkServer();
  credentials = server.seedDemo();
  // A second platform administrator, approved by the operator, for dual control.
  server.run('admin', 'grant', '--object', 'platform', '--relation', 'admin', '--subject', EVE);
  await server.start();
  browser = await ui.launchChromium();
  page = await newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('bulwark serve', () => {
  test('serves the console with a strict policy, cache lifetimes and client routes', async () => {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script>|<script type="module">|style=/, 'index.html has inline code');

    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)[1];
    const js = await fetch(`${server.url}${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /^text\/javascript/);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');

    const route = await fetch(`${server.url}/organizations/org_x/users`);
    assert.equal(route.status, 200);
    assert.equal(await route.text(), html);
    assert.equal((await fetch(`${server.url}/assets/missing-0000.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/..%2f..%2fetc/passwd`)).status, 404);

    const missing = await server.api('GET', '/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(missing.data.error.code, 'not_found');
    const root = await server.api('GET', '');
    assert.equal(root.status, 200);
    assert.equal(root.data.openapi, '/api/v1/openapi.json');
  });
});

describe('the console', () => {
  test('sign-in explains a refusal in words, then signs in', async () => {
    await page.goto(`${server.url}/`);
    await heading('Sign in to Bulwark');
    await checkPage('01-sign-in');
    await page.getByLabel('Email').fill(PAT);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Signing in failed\./);
    assert.match(await alert.innerText(), /Error code: unauthenticated/);
    await signIn(PAT);
    assert.match(await page.locator('main').innerText(), /Pat Director/);
    assert.match(await page.locator('main').innerText(), /platform administrator/);
    await checkPage('02-who-am-i');
  });

  test('the keyboard reaches the skip link and the menu', async () => {
    await page.goto(`${server.url}/`);
    await heading('Who am I');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(() => document.activeElement.textContent)) === 'Organizations';
    }
    assert.ok(reached, 'Tab never reached the Organizations link');
    await page.keyboard.press('Enter');
    await heading('Organizations');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
  });

  test('organizations: pages on the server and creates one', async () => {
    await goTo('Organizations', 'Organizations');
    const table = page.getByRole('table', { name: /Organizations/ });
    await table.waitFor();
    assert.match(await table.innerText(), /Frontier Lab/);
    // Two rows a page: the pager follows the server's cursor.
    await page.getByLabel('Rows per page').selectOption('10');
    await page.getByLabel('Name', { exact: true }).fill('Regional Water Authority');
    await page.getByLabel('Kind').selectOption('operator');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText('Created Regional Water Authority').waitFor();
    const next = page.getByRole('button', { name: 'Next page →' });
    if (await next.isEnabled()) await next.click();
    await page.getByRole('cell', { name: 'Regional Water Authority' }).waitFor();
    await checkPage('03-organizations');
  });

  test('organizations: a header sorts on the server, from the first page', async () => {
    // Twelve organizations, ten a page: the last by name is on the second page until the
    // server sorts by name descending, which a sort of the page on show could not do.
    for (const name of ['Zenith Partner 1', 'Zenith Partner 2', 'Zenith Partner 3']) {
      const made = await server.api('POST', '/organizations', credentials[PAT].token, { name, kind: 'partner' });
      assert.equal(made.status, 201);
    }
    await page.reload();
    await heading('Organizations');
    const table = page.getByRole('table', { name: /Organizations/ });
    await table.waitFor();
    await page.getByLabel('Rows per page').selectOption('10');
    const sortByName = table.getByRole('button', { name: 'Sort by Name' });
    const nameHeader = table.getByRole('columnheader').filter({
      has: page.getByRole('button', { name: 'Sort by Name' }),
    });
    const names = () => table.locator('tbody tr td:first-child').allInnerTexts();
    const sortedRequest = (sort) =>
      page.waitForRequest((r) => {
        const url = new URL(r.url());
        return url.pathname === '/api/v1/organizations' && url.searchParams.get('sort') === sort;
      });
    // The rows on show are exactly the server's first page in that order.
    const expectServerOrder = async (sort) => {
      const listed = await server.api('GET', `/organizations?sort=${sort}&limit=10`, credentials[PAT].token);
      assert.equal(listed.status, 200);
      const want = listed.data.items.map((o) => o.name);
      let got = [];
      for (let i = 0; i < 50; i++) {
        got = await names();
        if (JSON.stringify(got) === JSON.stringify(want)) break;
        await new Promise((ok) => setTimeout(ok, 100));
      }
      assert.deepEqual(got, want, `the table is not the server's first page for sort=${sort}`);
      return got;
    };
    assert.equal(await nameHeader.getAttribute('aria-sort'), null);

    let request = sortedRequest('name');
    await sortByName.click();
    await request;
    const ascending = await expectServerOrder('name');
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'ascending');
    assert.ok(!ascending.includes('Zenith Partner 3'), 'the last name by name is on the first page');

    // The keyboard sorts as well: Enter on the focused header button flips the direction.
    request = sortedRequest('-name');
    await sortByName.focus();
    await page.keyboard.press('Enter');
    await request;
    const descending = await expectServerOrder('-name');
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'descending');
    assert.equal(descending[0], 'Zenith Partner 3');
    assert.notEqual(descending[0], ascending[0]);
    await checkPage('03-organizations-sorted');
  });

  test('users: lists, adds and disables a user', async () => {
    await page.getByRole('link', { name: 'Regional Water Authority' }).first().click();
    await heading('Users of Regional Water Authority');
    await page.getByText('This organization has no users yet.').waitFor();
    await page.getByLabel('Email').fill('operator@water.example');
    await page.getByLabel('Display name').fill('Wanda Water');
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('cell', { name: 'operator@water.example' }).waitFor();
    await page.getByRole('button', { name: 'Disable Wanda Water' }).click();
    await page.getByRole('button', { name: 'Confirm disable Wanda Water' }).click();
    await page.getByText('Wanda Water is now disabled').waitFor();
    await page.getByRole('row', { name: /Wanda Water/ }).getByText('disabled', { exact: true }).waitFor();
    await checkPage('04-users');
  });

  test('API tokens: a new token is shown once, works, and stops working when revoked', async () => {
    await goTo('API tokens', 'Your API tokens');
    await page.getByLabel('What it is for').fill('browser test');
    await page.getByRole('button', { name: 'Issue token' }).click();
    const secret = await page.getByLabel('New API token').inputValue();
    assert.match(secret, /^bwk_/);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    assert.equal((await server.api('GET', '/whoami', secret)).status, 200);
    await checkPage('05-token-issued');

    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.reload();
    await heading('Your API tokens');
    await page.getByRole('cell', { name: 'browser test', exact: true }).waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the token is shown again after a reload');
    await page.getByRole('button', { name: 'Revoke browser test' }).click();
    await page.getByRole('button', { name: 'Confirm revoke browser test' }).click();
    await page.getByText('Revoked the token “browser test”').waitFor();
    await page.getByRole('row', { name: /browser test/ }).getByText('revoked', { exact: true }).first().waitFor();
    assert.equal((await server.api('GET', '/whoami', secret)).status, 401);
    await checkPage('06-tokens');
  });

  test('grants: proposed by one administrator, refused to them, approved by a second', async () => {
    const orgs = await server.api('GET', '/organizations?limit=200', credentials[PAT].token);
    const lab = orgs.data.items.find((o) => o.name === 'Frontier Lab');
    const users = await server.api('GET', `/organizations/${lab.id}/users`, credentials[PAT].token);
    const lee = users.data.items.find((u) => u.email === LEE);

    await goTo('Grants', 'Grants');
    await page.getByLabel('Object', { exact: true }).last().fill('platform');
    await page.getByLabel('Relation').fill('auditor');
    await page.getByLabel('Subject').last().fill(lee.id);
    await page.getByRole('button', { name: 'Propose grant' }).click();
    await page.getByText('It takes effect when a different platform administrator approves it').waitFor();
    // Filter to the proposal and try to approve it oneself: refused, in words.
    await page.getByLabel('Subject').first().fill(lee.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row', { name: /auditor/ });
    await row.getByText('pending approval').waitFor();
    await row.getByRole('button', { name: /^Approve/ }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /The grant was not changed\./);
    assert.match(await alert.innerText(), /permission_denied/);
    await checkPage('07-grants-pending');

    await signOut();
    await signIn(EVE);
    await goTo('Grants', 'Grants');
    await page.getByLabel('Subject').first().fill(lee.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('row', { name: /auditor/ }).getByRole('button', { name: /^Approve/ }).click();
    await page.getByText(/Approved auditor on platform/).waitFor();
    await page.getByRole('row', { name: /auditor/ }).getByText('active', { exact: true }).waitFor();
    const tuples = await server.api('GET', `/tuples?subject=${lee.id}`, credentials[PAT].token);
    const approved = tuples.data.items.find((t) => t.relation === 'auditor');
    assert.equal(approved.state, 'active');
    assert.notEqual(approved.approved_by, approved.created_by);
    await checkPage('08-grants');
  });

  test('jobs: the queues per kind, and a dead job retried', async () => {
    // The embedded worker signs a first checkpoint as a job at start. Once it is done, it is
    // made dead here, as if every attempt had failed, for the console to retry.
    let done = null;
    for (let i = 0; i < 100 && !done; i++) {
      const queues = await server.api('GET', '/jobs/queues', credentials[PAT].token);
      assert.equal(queues.status, 200);
      done = queues.data.queues.find((q) => q.done > 0);
      if (!done) await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.ok(done, 'no job ran in the embedded worker');
    server.sql(
      `UPDATE jobs SET state = 'dead', attempts = max_attempts, last_error = 'made dead by the browser test' ` +
        `WHERE id = (SELECT id FROM jobs WHERE kind = '${done.kind}' AND state = 'done' LIMIT 1)`,
    );

    await goTo('Jobs', 'Jobs');
    const queues = page.getByRole('table', { name: 'Jobs per kind and state' });
    await queues.getByRole('cell', { name: done.kind }).waitFor();
    const dead = page.getByRole('table', { name: /Dead jobs/ });
    await dead.getByRole('cell', { name: 'made dead by the browser test' }).waitFor();
    // The dead jobs do not sort on the server, so their headers are not buttons.
    assert.equal(await dead.getByRole('columnheader').getByRole('button').count(), 0);
    assert.equal(await page.getByRole('alert').count(), 0, 'the jobs page shows an error');
    await checkPage('09-jobs');

    await dead.getByRole('button', { name: /^Retry/ }).click();
    await page.getByText(/is queued again\./).waitFor();
    await page.getByText('No dead jobs.').waitFor();
  });

  test('ledger: the checkpoint, consistency and every entry verify in the browser', async () => {
    const key = (await server.api('GET', '/ledger/key')).data.trim();
    await goTo('Ledger', 'Ledger');
    await page.getByText('No key is pinned').waitFor();
    await page.getByRole('textbox', { name: 'Verifier key' }).fill(key);
    await page.getByRole('button', { name: 'Pin key' }).click();
    await page.getByRole('button', { name: 'Sign a checkpoint now' }).click();
    const signature = page.getByTestId('checkpoint-signature');
    await signature.getByText('Verified:').waitFor();
    const consistency = page.getByTestId('checkpoint-consistency');
    await consistency.getByText(/Verified|Not yet provable/).waitFor();

    // The log grows and a new checkpoint is signed: it must extend the one this browser saw.
    await server.api('POST', '/organizations', credentials[PAT].token, { name: 'Ledger Growth Co', kind: 'partner' });
    assert.equal((await server.api('POST', '/ledger/checkpoint', credentials[PAT].token)).status, 201);
    await page.getByRole('button', { name: 'Fetch the latest checkpoint' }).click();
    await consistency.getByText(/Verified: extends the \d+ entries/).waitFor();

    await page.getByRole('button', { name: 'Verify every entry on this page' }).click();
    await page.getByTestId('verify-summary').getByText(/^\d+ verified; none failed\.$/).waitFor();
    await checkPage('10-ledger');

    // The newest entries, the latest of which come after the checkpoint: not yet provable, and
    // not a failure.
    await page.getByRole('button', { name: 'Newest entries' }).click();
    await page.getByRole('table', { name: /Ledger entries from index [1-9]/ }).waitFor();
    await page.getByRole('button', { name: 'Verify every entry on this page' }).click();
    await page.getByTestId('verify-summary').getByText(/^\d+ verified; none failed\.$/).waitFor();
    await page.getByRole('button', { name: '← Previous page' }).last().click();
    await page.getByRole('table', { name: /Ledger entries from index 0/ }).waitFor();
  });

  test('ledger: an entry altered on its way from the server fails verification', async () => {
    let tampered = null;
    await page.route('**/api/v1/ledger/entries*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      const item = body.items[1];
      const leaf = Buffer.from(item.leaf, 'base64').toString('utf8');
      const changed = leaf.replace(/"principal":"([^"]*)"/, '"principal":"usr_someone_else"');
      assert.notEqual(changed, leaf);
      item.leaf = Buffer.from(changed, 'utf8').toString('base64');
      item.entry = JSON.parse(changed);
      tampered = item.index;
      await route.fulfill({ response, json: body });
    });
    await page.getByRole('button', { name: 'Reload entries' }).click();
    // The table shows what the altered bytes say ...
    await page.getByRole('cell', { name: 'usr_someone_else' }).waitFor();
    // ... and the browser finds that those bytes are not what the signed checkpoint holds.
    await page.getByRole('button', { name: 'Verify every entry on this page' }).click();
    await page.getByTestId('verify-summary').getByText(/^1 entry FAILED verification; \d+ verified\.$/).waitFor();
    const row = page.locator(`tr[data-index="${tampered}"]`);
    assert.match(await row.innerText(), /FAILED: the entry's hash does not lead to the checkpoint's root hash/);
    await checkPage('11-ledger-tampered-entry');
    await page.unroute('**/api/v1/ledger/entries*');

    // A checkpoint altered on its way fails its signature, and nothing is verified against it.
    await page.route('**/api/v1/ledger/checkpoint', async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      const note = await response.text();
      const lines = note.split('\n');
      lines[1] = String(Number(lines[1]) + 1);
      await route.fulfill({ response, body: lines.join('\n') });
    });
    await page.getByRole('button', { name: 'Fetch the latest checkpoint' }).click();
    await page.getByTestId('checkpoint-signature').getByText('FAILED: the signature by the pinned key does not verify').waitFor();
    await page.getByText('The checkpoint did not verify against your pinned key').waitFor();
    await page.unroute('**/api/v1/ledger/checkpoint');
    await checkPage('12-ledger-tampered-checkpoint');
  });

  test('an unknown page says so, and signing out returns to sign-in', async () => {
    await page.goto(`${server.url}/no/such/page`);
    await heading('Page not found');
    await checkPage('13-not-found');
    await signOut();
    await page.getByText('You have signed out.').waitFor();
    assert.equal((await page.goto(`${server.url}/ledger`)).status(), 200);
    await heading('Sign in to Bulwark');
  });
});

describe('the review program', () => {
  let orgIds;

  before(async () => {
    const orgs = await server.api('GET', '/organizations?limit=200', credentials[PAT].token);
    orgIds = Object.fromEntries(orgs.data.items.map((o) => [o.name, o.id]));
  });

  test('the lab sees Atlas, its version and the open window counting down; a window too long is refused in words', async () => {
    await signInAs(LEE);
    const review = page.getByRole('navigation', { name: 'Review program' });
    assert.deepEqual(await review.getByRole('link').allInnerTexts(), ['Models', 'Inquiries', 'Windows', 'Defensive access', 'Alerts', 'Retained content']);

    await goToReview('Models', 'Models');
    await page.getByRole('cell', { name: 'Frontier Lab\'s next model, in development' }).waitFor();
    await checkPage('20-review-models');
    await page.getByRole('table', { name: 'Registered models' }).getByRole('link', { name: 'Atlas' }).click();
    await heading('Model Atlas');
    const versions = page.getByRole('table', { name: 'Versions of Atlas' });
    const version = versions.getByRole('row', { name: /\b1\.0\b/ });
    await version.getByText('in development').waitFor();
    await version.getByText('set (never shown)').waitFor();
    await checkPage('21-review-model');

    await goToReview('Inquiries', 'Inquiries');
    await page.getByText('There are no inquiries.').waitFor();
    await page.getByLabel('Question (optional)').fill('Is Atlas a covered frontier model?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByText(/^Asked about Atlas 1\.0\b/).waitFor();
    await page.getByRole('row', { name: /Is Atlas a covered/ }).getByText('submitted').waitFor();
    await checkPage('22-review-inquiries-lab');

    await goToReview('Windows', 'Access windows');
    const row = page.getByRole('table', { name: 'Access windows' }).getByRole('row', { name: /Atlas/ });
    await row.getByText('open', { exact: true }).waitFor();
    const countdown = row.getByTestId('countdown');
    const first = await countdown.innerText();
    assert.match(first, /^ends in 1[34] d \d+ h \d+ min \d+ s$/);
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="countdown"]').textContent !== before,
      first,
      { timeout: 3000 },
    );
    // 40 days: over the version's 30 days in total, refused with the rule in words.
    await page.getByLabel('Ends').fill(localInput(40));
    await page.getByRole('button', { name: 'Open window' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const refusal = await alert.innerText();
    assert.match(refusal, /The window was not opened\./);
    assert.match(refusal, /at most 30 days of access in total/);
    assert.match(refusal, /rule: window_at_most_30_days/);
    await checkPage('23-review-windows-lab');

    // The lab proposes the bank, chosen by name among the organizations that may be partners.
    await row.getByRole('link', { name: /Partners, extend, withdraw/ }).click();
    await heading('Access window');
    await page.getByTestId('countdown').getByText(/^ends in/).waitFor();
    await page.getByRole('row', { name: new RegExp(orgIds['Rural Hospital']) }).getByText('active').waitFor();
    await page.getByLabel('Partner organization', { exact: true }).selectOption({ label: 'Community Bank (operator)' });
    await page.getByLabel('Requests a day').fill('200');
    await page.getByRole('button', { name: 'Propose partner' }).click();
    await page.getByText(/It takes effect when the program office concurs\./).waitFor();
    await page.getByRole('row', { name: new RegExp(orgIds['Community Bank']) }).getByText('waits for the program office').waitFor();
    await page.getByText('No calls through the gateway yet.').waitFor();
    await checkPage('24-review-window-lab');

    // An extension within the 30 days moves the end, and the countdown with it.
    await page.getByLabel('New end').fill(localInput(20));
    await page.getByRole('button', { name: 'Extend', exact: true }).click();
    await page.getByText(/^Extended the window to /).waitFor();
    await page.getByTestId('countdown').getByText(/^ends in (19|20) d/).waitFor();
  });

  test('the program office accepts the inquiry, concurs with the lab’s proposal and may not concur with its own', async () => {
    await signInAs(PAT);
    const review = page.getByRole('navigation', { name: 'Review program' });
    assert.deepEqual(await review.getByRole('link').allInnerTexts(), ['Inquiries', 'Windows', 'Concurrences', 'Defensive access', 'Alerts', 'Retained content']);

    await goToReview('Inquiries', 'Inquiries');
    await page.getByRole('button', { name: /^Accept the inquiry about Atlas/ }).click();
    await page.getByText(/^Accepted the inquiry about Atlas/).waitFor();
    const inquiry = page.getByRole('row', { name: /Is Atlas a covered/ });
    await inquiry.getByText('accepted', { exact: true }).waitFor();
    await inquiry.getByText(/^due in (29|30) d/).waitFor();
    await checkPage('25-review-inquiries-office');

    await goToReview('Windows', 'Access windows');
    await page.getByRole('table', { name: 'Access windows' }).getByRole('row', { name: /Atlas/ }).getByText('open', { exact: true }).waitFor();
    await checkPage('26-review-windows-office');

    await goToReview('Concurrences', 'Concurrences');
    await page.getByRole('table', { name: 'Partners proposed by labs' }).getByRole('cell', { name: /^Community Bank org_/ }).waitFor();
    // The office proposes the utility itself; only the lab may concur with that.
    await page.getByLabel('Partner organization', { exact: true }).selectOption({ label: 'Local Utility (operator)' });
    await page.getByRole('button', { name: 'Propose partner' }).click();
    await page.getByText('Proposed Local Utility as a partner. It takes effect when the lab concurs.').waitFor();
    await page.getByRole('button', { name: 'Concur with Community Bank' }).click();
    await page.getByText('Concurred: Community Bank is an active partner').waitFor();
    await page.getByText('No lab proposal waits for the office.').waitFor();
    await page.getByRole('button', { name: 'Concur with Local Utility' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const refusal = await alert.innerText();
    assert.match(refusal, /The partner was not changed\./);
    assert.match(refusal, /Separation of duties: the party that proposed a partner cannot also concur with it/);
    assert.match(refusal, /rule: separation_of_duties/);
    await checkPage('27-review-concurrences');

    const windows = await server.api('GET', '/review/windows', credentials[PAT].token);
    const partners = await server.api('GET', `/review/windows/${windows.data.items[0].id}/partners`, credentials[PAT].token);
    const state = Object.fromEntries(partners.data.items.map((g) => [g.partner_org_id, g.state]));
    assert.equal(state[orgIds['Community Bank']], 'active');
    assert.equal(state[orgIds['Local Utility']], 'proposed');
  });

  test('a partner issues a gateway key, sees it once, and revokes it', async () => {
    await signInAs(RITA);
    const review = page.getByRole('navigation', { name: 'Review program' });
    assert.deepEqual(await review.getByRole('link').allInnerTexts(), ['My grants', 'Gateway keys', 'Defensive access']);

    await goToReview('My grants', 'My grants');
    const grant = page.getByRole('table', { name: 'Grants naming your organization' }).getByRole('row').nth(1);
    await grant.getByText(/^ends in (19|20) d/).waitFor(); // extended by the lab above
    await grant.getByText('500 requests a day', { exact: false }).waitFor();
    await checkPage('28-review-my-grants');

    await grant.getByRole('link', { name: /^Issue a key/ }).click();
    await heading('Gateway keys');
    await page.getByLabel('Key name').fill('browser test key');
    await page.getByRole('button', { name: 'Issue key' }).click();
    const secret = await page.getByRole('textbox', { name: 'New gateway key' }).inputValue();
    assert.match(secret, /^bwg_[a-z0-9]{52}$/);
    await page.getByText('This is the only time the key “browser test key” is shown.').waitFor();
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await checkPage('29-review-key-issued');
    await page.getByRole('row', { name: /browser test key/ }).getByText(/used today: 0 of 500 requests, 0 of [\d,]+ tokens/).waitFor();
    const how = page.getByRole('region', { name: 'How to call the gateway' });
    await how.getByText(`${server.url}/gateway/v1`, { exact: true }).waitFor();
    await how.getByText(`${server.url}/gateway`, { exact: true }).waitFor();
    assert.match(await how.locator('pre').innerText(), /curl -s http:\/\/127\.0\.0\.1:\d+\/gateway\/v1\/chat\/completions/);

    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.reload();
    await heading('Gateway keys');
    const row = page.getByRole('row', { name: /browser test key/ });
    await row.getByText('active', { exact: true }).waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the key is shown again after a reload');
    await page.getByRole('button', { name: 'Revoke browser test key' }).click();
    await page.getByRole('button', { name: 'Confirm revoke browser test key' }).click();
    await page.getByText('Revoked the gateway key “browser test key”. It stopped working at once.').waitFor();
    await row.getByText('inactive', { exact: true }).waitFor();
    await row.getByText('revoked').waitFor();
    await checkPage('30-review-keys');
    const keys = await server.api('GET', '/review/keys', credentials[RITA].token);
    const states = Object.fromEntries(keys.data.items.map((k) => [k.name, k.active]));
    assert.deepEqual(states, { 'browser test key': false, demo: true });
  });

  test('the lab states the window’s hours and suspends on alerts; a call outside them suspends the key, and the program office acknowledges the alert', async () => {
    // The bank, an active partner on Atlas's window since the program office concurred, issues a
    // key for its scanner.
    const grants = await server.api('GET', '/review/grants', credentials[BEN].token);
    const grant = grants.data.items.find((g) => g.state === 'active');
    assert.ok(grant, JSON.stringify(grants.data));
    const issued = await server.api('POST', '/review/keys', credentials[BEN].token, { grant_id: grant.id, name: 'bank scanner' });
    assert.equal(issued.status, 201, JSON.stringify(issued.data));

    // The lab states two hours of use that leave out this one, and chooses suspension.
    await signInAs(LEE);
    await goToReview('Windows', 'Access windows');
    await page.getByRole('link', { name: /Partners, extend, withdraw/ }).click();
    await heading('Access window');
    await page.getByTestId('window-hours').getByText('any hour', { exact: true }).waitFor();
    const hour = new Date().getUTCHours();
    const start = (hour + 2) % 24;
    const end = ((hour + 3) % 24) + 1;
    await page.getByLabel('State hours of use: a call outside them raises an alert').check();
    await page.getByLabel('From (UTC)').selectOption(String(start));
    await page.getByLabel('Until (UTC)').selectOption(String(end));
    await page.getByText(/It is \d\d:\d\d UTC now: outside these hours\./).waitFor();
    await page.getByLabel('Suspend a key at once when its use raises an alert').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved the window’s settings\. Hours of use: \d\d:00 to \d\d:00 UTC/).waitFor();
    const hours = `${String(start).padStart(2, '0')}:00 to ${String(end).padStart(2, '0')}:00 UTC`;
    await page.getByTestId('window-hours').getByText(new RegExp(`^${hours}`)).waitFor();
    await page.getByTestId('window-suspension').getByText(/suspended at once/).waitFor();
    await checkPage('30a-review-window-settings');

    // The bank's scanner calls Atlas through the gateway, here served by `bulwark mock-model`:
    // the call is answered, and its use outside the hours suspends the key for the next one.
    const windows = await server.api('GET', '/review/windows', credentials[LEE].token);
    const win = windows.data.items.find((w) => w.state === 'open');
    assert.equal(win.hours_start, start);
    assert.equal(win.suspend_on_alert, true);
    const demoUrl = server.sql(`SELECT base_url FROM model_versions WHERE id = '${win.version_id}'`).trim();
    const mock = new MockModel();
    try {
      const url = await mock.start();
      server.sql(`UPDATE model_versions SET base_url = '${url}/v1' WHERE id = '${win.version_id}'`);
      const key = issued.data.secret;
      const models = await gateway('GET', '/v1/models', key);
      assert.equal(models.status, 200, JSON.stringify(models.data));
      const chat = { model: models.data.data[0].id, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 16 };
      const call = await gateway('POST', '/v1/chat/completions', key, chat);
      assert.equal(call.status, 200, JSON.stringify(call.data));
      const next = await gateway('POST', '/v1/chat/completions', key, chat);
      assert.equal(next.status, 403, JSON.stringify(next.data));
      assert.match(next.data.error.message, /revoked/);
    } finally {
      server.sql(`UPDATE model_versions SET base_url = '${demoUrl}' WHERE id = '${win.version_id}'`);
      await mock.stop();
    }

    await goToReview('Alerts', 'Alerts');
    const table = page.getByRole('table', { name: 'Insider-risk alerts, newest first' });
    const row = table.getByRole('row', { name: /bank scanner .*Community Bank/ });
    await row.getByText('Use outside the stated hours', { exact: true }).waitFor();
    await row.getByText('key suspended', { exact: true }).waitFor();
    await row.getByText(/outside the hours the lab stated for the window: \d\d:00 to \d\d:00 UTC\. The key was suspended/).waitFor();
    await page.getByText('One alert waits for acknowledgement.').waitFor();
    await checkPage('30b-review-alerts-lab');

    // The program office sees every lab's alerts, and acknowledges this one.
    await signInAs(PAT);
    await goToReview('Alerts', 'Alerts');
    await row.getByRole('button', { name: /^Acknowledge the alert about key “bank scanner” of Community Bank/ }).click();
    await page.getByText('Acknowledged the alert about key “bank scanner” of Community Bank.').waitFor();
    await page.getByText('No alert waits for acknowledgement.').waitFor();
    assert.equal(await row.getByRole('button').count(), 0);
    await checkPage('30c-review-alerts-office');
    const alerts = await server.api('GET', '/review/alerts', credentials[LEE].token);
    assert.equal(alerts.data.items.length, 1);
    assert.equal(alerts.data.items[0].kind, 'outside_hours');
    assert.ok(alerts.data.items[0].acknowledged_at);
    // The partner the alert is about does not see it.
    assert.deepEqual((await server.api('GET', '/review/alerts', credentials[BEN].token)).data.items, []);

    // Any hour again, for what follows.
    const reset = await server.api('POST', `/review/windows/${win.id}/settings`, credentials[LEE].token, { suspend_on_alert: false });
    assert.equal(reset.status, 200, JSON.stringify(reset.data));
  });

  test('the lab keeps the content of calls; reading it takes the program office’s approval, and each read is recorded', async () => {
    await signInAs(LEE);
    await goToReview('Windows', 'Access windows');
    await page.getByRole('link', { name: /Partners, extend, withdraw/ }).click();
    await heading('Access window');
    await page.getByLabel('Keep the content of calls, encrypted; reading it takes a second person’s approval').check();
    await page.getByLabel('Keep each call’s content for (days)').fill('30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Saved the window’s settings\..* kept, encrypted, for 30 days/).waitFor();
    await page.getByTestId('window-retention').getByText(/kept, encrypted, for 30 days/).waitFor();

    // The bank's analyst calls Atlas with a new key (its scanner's was suspended), through the
    // mock model; the gateway tells the partner that content is kept.
    const grants = await server.api('GET', '/review/grants', credentials[BEN].token);
    const grant = grants.data.items.find((g) => g.state === 'active');
    const issued = await server.api('POST', '/review/keys', credentials[BEN].token, { grant_id: grant.id, name: 'bank triage' });
    assert.equal(issued.status, 201, JSON.stringify(issued.data));
    const windows = await server.api('GET', '/review/windows', credentials[LEE].token);
    const win = windows.data.items.find((w) => w.state === 'open');
    assert.equal(win.retain_content, true);
    assert.equal(win.retention_days, 30);
    const prompt = 'Summarize the advisory for our core banking system';
    const demoUrl = server.sql(`SELECT base_url FROM model_versions WHERE id = '${win.version_id}'`).trim();
    const mock = new MockModel();
    try {
      const url = await mock.start();
      server.sql(`UPDATE model_versions SET base_url = '${url}/v1' WHERE id = '${win.version_id}'`);
      const key = issued.data.secret;
      const models = await gateway('GET', '/v1/models', key);
      assert.equal(models.data.data[0].content_retained, true, JSON.stringify(models.data));
      const chat = { model: models.data.data[0].id, messages: [{ role: 'user', content: prompt }], max_tokens: 16 };
      const call = await gateway('POST', '/v1/chat/completions', key, chat);
      assert.equal(call.status, 200, JSON.stringify(call.data));
    } finally {
      server.sql(`UPDATE model_versions SET base_url = '${demoUrl}' WHERE id = '${win.version_id}'`);
      await mock.stop();
    }

    // The lab's lead asks to read; the lead cannot approve its own request.
    await goToReview('Retained content', 'Retained content');
    await page.getByLabel('Reason').fill('The bank reported a leaked prompt; check what was sent.');
    await page.getByRole('button', { name: 'Ask to read' }).click();
    await page.getByText(/^Asked to read Atlas .*A second person must approve/).waitFor();
    const table = page.getByRole('table', { name: 'Requests to read retained content, newest first' });
    await table.getByText('Waits for a second person.').waitFor();
    assert.equal(await table.getByRole('button', { name: /^Approve/ }).count(), 0);
    assert.equal(await table.getByRole('button', { name: /^Read the calls/ }).count(), 0);
    await checkPage('33a-review-content-asked');

    // The program office approves; only the asker may read.
    await signInAs(PAT);
    await goToReview('Retained content', 'Retained content');
    await table.getByRole('button', { name: /^Approve the request to read Atlas/ }).click();
    await page.getByText(/^Approved the request to read Atlas .*its asker may read them until/).waitFor();
    await table.getByText('approved', { exact: true }).waitFor();
    assert.equal(await table.getByRole('button', { name: /^Read the calls/ }).count(), 0);
    await checkPage('33b-review-content-approved');

    await signInAs(LEE);
    await goToReview('Retained content', 'Retained content');
    // The approver is named, not numbered.
    await table.getByText('Pat Director', { exact: true }).waitFor();
    await table.getByRole('button', { name: /^Read the calls/ }).click();
    const calls = page.getByRole('table', { name: 'Calls kept, newest first' });
    // The demo window kept content from the start, so the scanner's call is there too.
    await calls.getByRole('row', { name: /bank triage/ }).getByRole('button', { name: /^Read/ }).click();
    await page.getByRole('heading', { name: /^Call of Community Bank/ }).waitFor();
    await page.locator('pre.content').first().getByText(prompt, { exact: false }).waitFor();
    await table.getByText('1 call read').waitFor();
    await checkPage('33c-review-content-read');
    const entries = await server.api('GET', '/ledger/entries?limit=200', credentials[PAT].token);
    assert.equal(entries.status, 200, JSON.stringify(entries.data));
    const read = entries.data.items.filter((e) => JSON.stringify(e).includes('"review.content.read"'));
    assert.equal(read.length, 1, JSON.stringify(read));
    assert.ok(!JSON.stringify(entries.data).includes(prompt));
  });

  test('the lab withdraws the window, and the partner’s keys stop at once', async () => {
    // The hospital's demo key calls the gateway; the demo's model is not running, so the gateway
    // answers 502, and the call still counts.
    const key = credentials[RITA].gateway_key;
    assert.match(key, /^bwg_/);
    const models = await gateway('GET', '/v1/models', key);
    assert.equal(models.status, 200, JSON.stringify(models.data));
    const model = models.data.data[0].id;
    const chat = { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 16 };
    const call = await gateway('POST', '/v1/chat/completions', key, chat);
    assert.equal(call.status, 502, JSON.stringify(call.data));
    assert.equal(call.data.error.code, 'bad_gateway');

    await signInAs(LEE);
    await goToReview('Windows', 'Access windows');
    await page.getByRole('link', { name: /Partners, extend, withdraw/ }).click();
    await heading('Access window');
    const hospital = `(Rural Hospital|${orgIds['Rural Hospital']})`;
    const usage = page.getByRole('table', { name: 'Use by partner and day (UTC)' });
    const today = new Date().toISOString().slice(0, 10);
    await usage.getByRole('row', { name: new RegExp(`^${today} ${hospital} 1 [\\d,]+$`) }).waitFor();
    const chart = page.getByRole('img', { name: /^Requests per day by partner/ });
    await chart.waitFor();
    assert.match(await chart.getAttribute('aria-labelledby'), /title .*desc/);
    assert.match(await chart.locator('desc').textContent(), new RegExp(`${hospital} 1 request\\b`));
    await page.getByRole('radio', { name: 'Tokens' }).check();
    await page.getByRole('img', { name: /^Tokens per day by partner/ }).waitFor();
    await page.getByRole('radio', { name: 'Requests' }).check();
    await chart.waitFor();
    await checkPage('31-review-window-usage');

    // The lab concurs with the program office's proposal.
    await page.getByRole('button', { name: /^Concur with (Local Utility|org_)/ }).click();
    await page.getByText(/^Concurred: .* is an active partner/).waitFor();
    await page.getByRole('row', { name: new RegExp(orgIds['Local Utility']) }).getByText('active', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Withdraw window' }).click();
    await page.getByText(/every gateway key under it stops working immediately/).waitFor();
    await page.getByRole('button', { name: 'Withdraw now: keys stop at once' }).click();
    await page.getByText(/^Withdrew the window for Atlas .*every gateway key under it has stopped working\.$/).waitFor();
    await page.getByTestId('countdown').getByText('closed: withdrawn by the lab').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Withdraw window' }).count(), 0);
    await checkPage('32-review-window-withdrawn');
    const closed = await gateway('POST', '/v1/chat/completions', key, chat);
    assert.equal(closed.status, 403, JSON.stringify(closed.data));
    assert.match(closed.data.error.message, /closed/);

    await signInAs(RITA);
    await goToReview('My grants', 'My grants');
    const grant = page.getByRole('table', { name: 'Grants naming your organization' }).getByRole('row').nth(1);
    await grant.getByText('closed: withdrawn by the lab').waitFor();
    await grant.getByText('closed', { exact: true }).waitFor();
    await grant.getByText('window closed: no keys').waitFor();
    await goToReview('Gateway keys', 'Gateway keys');
    const demo = page.getByRole('row', { name: /^demo/ });
    await demo.getByText('inactive', { exact: true }).waitFor();
    await demo.getByText(/the window is closed: withdrawn by the lab/).waitFor();
    await demo.getByText(/used today: 1 of [\d,]+ requests/).waitFor();
    await page.getByText('No active grant to issue a key under.').waitFor();
    assert.equal(await page.getByRole('button', { name: /^Revoke/ }).count(), 0);
    await checkPage('33-review-keys-window-closed');
    const keys = await server.api('GET', '/review/keys', credentials[RITA].token);
    assert.ok(keys.data.items.every((k) => !k.active), 'a key still works after the window was withdrawn');
  });

  test('a bank asks for defensive access to a released model; over 365 days is refused in words', async () => {
    await signInAs(BEN);
    const review = page.getByRole('navigation', { name: 'Review program' });
    assert.deepEqual(await review.getByRole('link').allInnerTexts(), ['My grants', 'Gateway keys', 'Defensive access']);
    await goToReview('Defensive access', 'Defensive access');
    await page.getByText('Your organization has no defensive access.').waitFor();
    const model = page.getByLabel('Model', { exact: true });
    assert.equal(await model.locator('option:checked').innerText(), 'Atlas/0.9 (Frontier Lab)');
    const until = page.getByLabel('Access until');
    assert.equal(await until.inputValue(), localDate(90));
    await page.getByLabel('Purpose').fill('Scanning our branch network for known vulnerabilities');
    await page.getByLabel('Requests a day').fill('300');

    await until.fill(localDate(366));
    await page.getByRole('button', { name: 'Request access' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const refusal = await alert.innerText();
    assert.match(refusal, /The request was not sent\./);
    assert.match(refusal, /Defensive access lasts at most 365 days from the request/);
    assert.match(refusal, /rule: defensive_access_at_most_365_days/);

    await until.fill(localDate(180));
    await page.getByRole('button', { name: 'Request access' }).click();
    await page.getByText(/^Asked for defensive access to Atlas\/0\.9 until .* both approved it\.$/).waitFor();
    const row = page.getByRole('table', { name: 'Your organization’s defensive access' }).getByRole('row', { name: /Atlas\/0\.9/ });
    await row.getByText('requested', { exact: true }).waitFor();
    await row.getByText('waits for the lab and the program office', { exact: true }).waitFor();
    await row.getByText(/^300 requests a day/).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    assert.equal(await model.locator('option:checked').innerText(), 'Atlas/0.9 (Frontier Lab) — requested');
    await checkPage('34-review-defensive-requester');
  });

  test('the lab approves the bank’s request, which still waits for the program office', async () => {
    await signInAs(LEE);
    await goToReview('Defensive access', 'Defensive access');
    const table = page.getByRole('table', { name: 'Requests for your lab’s models' });
    await table.getByRole('row', { name: /Cyber Defense Agency/ }).getByText('active', { exact: true }).waitFor();
    const bank = table.getByRole('row', { name: /Community Bank/ });
    await bank.getByText('waits for the lab and the program office', { exact: true }).waitFor();
    await page.getByText('One request waits for the lab’s decision.').waitFor();
    await bank.getByRole('button', { name: 'Approve Community Bank’s request for Atlas/0.9' }).click();
    await page.getByText('Approved for the lab. The request now waits for the program office.').waitFor();
    await bank.getByText('waits for the program office', { exact: true }).waitFor();
    await bank.getByText('your side approved').waitFor();
    assert.equal(await bank.getByRole('button').count(), 0);
    await checkPage('35-review-defensive-lab');
  });

  test('the program office denies one request with a note and approves the bank’s: active', async () => {
    const asked = await server.api('POST', '/review/defensive-access', credentials[UMA].token, {
      version_id: (await server.api('GET', '/review/defensive-models', credentials[UMA].token)).data.items[0].version_id,
      purpose: 'Monitoring substation controllers',
      expires_at: new Date(Date.now() + 30 * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.data));

    await signInAs(PAT);
    await goToReview('Defensive access', 'Defensive access');
    const table = page.getByRole('table', { name: 'Defensive access requests' });
    const utility = table.getByRole('row', { name: /Local Utility/ });
    await utility.getByText('waits for the lab and the program office', { exact: true }).waitFor();
    await page.getByText('2 requests wait for the program office’s decision.').waitFor();
    const deny = utility.getByRole('button', { name: 'Deny Local Utility’s request for Atlas/0.9' });
    // The confirmation opens under the row with the focus on its note; Escape closes it again.
    await deny.click();
    const confirm = page.getByRole('group', { name: /^Deny Local Utility’s request for Atlas\/0\.9\?/ });
    assert.equal(await deny.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'TEXTAREA');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await deny.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Deny Local Utility’s request for Atlas/0.9');
    await page.keyboard.press('Enter');
    await confirm.getByLabel('Note (optional)').fill('Use the sector’s shared service instead.');
    await checkPage('36-review-defensive-office-deny');
    await confirm.getByRole('button', { name: 'Deny now' }).click();
    await page.getByText('Denied Local Utility’s request for Atlas/0.9.').waitFor();
    await utility.getByText('denied', { exact: true }).waitFor();
    await utility.getByText('Note: “Use the sector’s shared service instead.”').waitFor();

    const bank = table.getByRole('row', { name: /Community Bank/ });
    await bank.getByText('waits for the program office', { exact: true }).waitFor();
    await bank.getByRole('button', { name: 'Approve Community Bank’s request for Atlas/0.9' }).click();
    await page.getByText(/^Approved: Community Bank has defensive access to Atlas\/0\.9 until /).waitFor();
    await bank.getByText('active', { exact: true }).waitFor();
    await bank.getByRole('button', { name: 'Revoke Community Bank’s access to Atlas/0.9' }).waitFor();
    await checkPage('37-review-defensive-office');
    const listed = await server.api('GET', '/review/defensive-access', credentials[BEN].token);
    const mine = listed.data.items.find((d) => d.org_id === orgIds['Community Bank']);
    assert.equal(mine.state, 'active');
    assert.notEqual(mine.lab_approved_by, mine.office_approved_by);
  });

  test('the bank issues a gateway key under its defensive access, then revokes the access and the key stops', async () => {
    await signInAs(BEN);
    await goToReview('Defensive access', 'Defensive access');
    await page.getByText('Your organization has active defensive access').waitFor();
    const row = page.getByRole('table', { name: 'Your organization’s defensive access' }).getByRole('row', { name: /Atlas\/0\.9/ });
    await row.getByText('active', { exact: true }).waitFor();
    await row.getByRole('link', { name: /^Issue a key/ }).click();
    await heading('Gateway keys');
    assert.match(await page.getByLabel('Grant', { exact: true }).locator('option:checked').innerText(), /^Atlas\/0\.9 — defensive, until /);
    await page.getByLabel('Key name').fill('bank defensive key');
    await page.getByRole('button', { name: 'Issue key' }).click();
    const secret = await page.getByRole('textbox', { name: 'New gateway key' }).inputValue();
    assert.match(secret, /^bwg_[a-z0-9]{52}$/);
    await page.getByText('This is the only time the key “bank defensive key” is shown.').waitFor();
    await page.getByRole('button', { name: 'I have saved it' }).click();
    const key = page.getByRole('row', { name: /bank defensive key/ });
    await key.getByText('active', { exact: true }).waitFor();
    await key.getByText('defensive access', { exact: true }).waitFor();
    await checkPage('38-review-keys-defensive');

    // The key reaches Atlas 0.9; the demo's model is not running here, so the gateway answers 502
    // once the key, the access and the quota have let the call through.
    const models = await gateway('GET', '/v1/models', secret);
    assert.equal(models.status, 200, JSON.stringify(models.data));
    assert.equal(models.data.data[0].id, 'Atlas/0.9');
    const chat = { model: 'Atlas/0.9', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 16 };
    const call = await gateway('POST', '/v1/chat/completions', secret, chat);
    assert.equal(call.status, 502, JSON.stringify(call.data));

    await goToReview('Defensive access', 'Defensive access');
    await row.getByRole('button', { name: 'Revoke your organization’s access to Atlas/0.9' }).click();
    const confirm = page.getByRole('group', { name: /^Revoke your organization’s access to Atlas\/0\.9\?/ });
    await confirm.getByText(/every gateway key under it stops working immediately/).waitFor();
    await confirm.getByLabel('Note (optional)').fill('Moved to our own deployment.');
    await confirm.getByRole('button', { name: 'Revoke now: keys stop at once' }).click();
    await page.getByText('Revoked your organization’s defensive access to Atlas/0.9; its gateway keys stopped working at once.').waitFor();
    await row.getByText('revoked', { exact: true }).waitFor();
    await row.getByText('Note: “Moved to our own deployment.”').waitFor();
    await checkPage('39-review-defensive-revoked');
    const stopped = await gateway('POST', '/v1/chat/completions', secret, chat);
    assert.equal(stopped.status, 403, JSON.stringify(stopped.data));

    await goToReview('Gateway keys', 'Gateway keys');
    await key.getByText('inactive', { exact: true }).waitFor();
    await key.getByText('the defensive access is revoked').waitFor();
  });
});
