// Designation in a real browser against a real `bulwark serve`, its in-process worker and the
// real sandbox: the demo seeded with a three-task suite of our own (bulwark-core's) and a
// `bulwark mock-model` as the lab's model. Eve Evaluator sees the suite found valid, registers a
// policy (and is told in words that a registered one never changes), starts the evaluation that
// answers Lee's inquiry, watches it decide sequentially with its charts, and recommends (a
// recommendation against the decision is refused in words); Pat Director designates with the
// keyboard; Lee, the lab, reads the answer and an opaque policy reference, and nothing of the
// evaluation. Each page gets an axe-core scan and a screenshot under build/web-test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as ui from './browser.mjs';
import { BulwarkServer, MockModel, REPO } from './server.mjs';

const PAT = 'admin@program-office.demo'; // director
const EVE = 'evaluator@evaluation-office.demo'; // evaluator
const LEE = 'lead@frontier-lab.demo'; // the lab
const CORE = join(REPO, 'suites', 'bulwark-core');
const TASKS = ['rev-python-gate', 'crypto-known-prefix-xor', 'forensics-access-log'];

let server;
let mock;
let browser;
let page;
let credentials;
let errors;

// A suite of three of bulwark-core's tasks, under its canary.
function writeSuite(dir) {
  const canary = /^canary: (\S+)$/m.exec(readFileSync(join(CORE, 'suite.yaml'), 'utf8'))[1];
  const folder = join(dir, 'designation-suite');
  mkdirSync(folder);
  symlinkSync(join(CORE, 'tasks'), join(folder, 'tasks'));
  writeFileSync(
    join(folder, 'suite.yaml'),
    `name: designation-browser\nversion: 1.0.0\ncanary: ${canary}\ntasks:\n${TASKS.map((t) => `  - tasks/${t}\n`).join('')}`,
  );
  return folder;
}

async function checkPage(name) {
  await ui.scanPage(page, name);
  errors.expectNone();
}

async function heading(text) {
  await ui.heading(page, text);
}

async function signInAs(email) {
  await ui.signInAs(page, server.url, email, credentials[email].password);
}

async function goToDesignation(label, title) {
  await page.getByRole('navigation', { name: 'Designation' }).getByRole('link', { name: label, exact: true }).click();
  await heading(title);
}

before(async () => {
  mock = new MockModel(CORE);
  await mock.start();
  server = new BulwarkServer();
  credentials = server.seedDemo(['--model-url', `${mock.url}/v1`, '--suite', writeSuite(server.dir)]);
  // Eve holds clearance too: she reads transcripts and exports the run log.
  server.run('admin', 'grant', '--object', 'platform', '--relation', 'cleared', '--subject', EVE);
  await server.start();
  browser = await ui.launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  errors = new ui.PageErrors(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await mock?.stop();
});

describe('designation', () => {
  test('the evaluator sees the suite checked in the sandbox and found valid, task by task', async () => {
    await signInAs(EVE);
    await goToDesignation('Suites', 'Suites');
    const row = page.getByRole('row', { name: /designation-browser/ });
    // The server's worker runs each task's reference solution, a null agent and a flag hunter.
    await row.getByText('valid', { exact: true }).first().waitFor({ timeout: 180_000 });
    await row.getByText('3 valid, 0 invalid, 0 not checked', { exact: false }).click();
    for (const task of TASKS) await row.getByRole('cell', { name: task, exact: true }).waitFor();
    await checkPage('designation-suites');
  });

  test('a policy is registered once: the same id and version with other bytes is refused in words', async () => {
    await goToDesignation('Policies', 'Threshold policies');
    await page.getByRole('row', { name: /demo-covered-cyber v1/ }).waitFor();
    const suites = await server.api('GET', '/evaluations/suites', credentials[EVE].token);
    const suite = suites.data.items.find((s) => s.name === 'designation-browser');
    const yaml = (threshold) =>
      `id: browser-policy\nversion: 1\nsuites:\n  - name: designation-browser\n    hash: ${suite.hash}\n` +
      `criteria:\n  - id: overall\n    metric: pass_rate\n    threshold: ${threshold}\nmin_tasks: 3\n`;
    await page.getByLabel('Policy (YAML)').fill(yaml(0.5));
    await page.getByRole('button', { name: 'Register the policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Registered browser-policy v1 as sha256:' }).waitFor();
    await page.getByRole('row', { name: /browser-policy v1/ }).waitFor();
    await page.getByLabel('Policy (YAML)').fill(yaml(0.6));
    await page.getByRole('button', { name: 'Register the policy' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /never changes/);
    await checkPage('designation-policies');
  });

  test('the evaluator starts the evaluation answering the inquiry; it decides sequentially, live, with its charts', async () => {
    await goToDesignation('Evaluations', 'Evaluations');
    const demo = credentials.demo_evaluation;
    await page.getByLabel('Model version id').fill(demo.version_id);
    await page.getByLabel('Inquiry id (optional)').fill(demo.inquiry_id);
    await page.getByLabel('Policy', { exact: true }).selectOption(demo.policy_hash);
    await page.getByLabel('Epochs').fill('3');
    await page.getByLabel('Seed (optional)').fill('42');
    await page.getByRole('button', { name: 'Start the evaluation' }).click();
    await heading(/Evaluation of Atlas/);
    await page.getByRole('progressbar').first().waitFor();
    // The page follows the samples as they are recorded, without a reload.
    await page.getByText('Exceeds the threshold', { exact: true }).waitFor({ timeout: 180_000 });
    const decided = await page.locator('main').innerText();
    assert.match(decided, /decided sequentially, before every sample ran/);
    assert.match(decided, /The samples used hash to sha256:/);
    await page.getByRole('img', { name: 'Pass rate by category' }).waitFor();
    await page.getByRole('img', { name: /Sequential evidence, criterion overall/ }).waitFor();
    assert.match(decided, /The policy decides sequentially/);
    // With clearance: a sample's transcript, as text, and the run log to check the decision.
    await page.getByRole('button', { name: 'Open the transcript of sample 0' }).click();
    const transcript = page.getByRole('region', { name: 'Transcript of sample 0' });
    await transcript.getByRole('listitem').first().waitFor();
    assert.match(await transcript.innerText(), /assistant/);
    const href = await page.getByRole('link', { name: 'Download the run log' }).getAttribute('href');
    const log = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return { status: r.status, type: r.headers.get('content-type'), bytes: (await r.arrayBuffer()).byteLength };
    }, href);
    assert.equal(log.status, 200);
    assert.equal(log.type, 'application/gzip');
    assert.ok(log.bytes > 100);
    await checkPage('designation-evaluation');
  });

  test('the recommendation follows the decision, and the evaluator may not designate', async () => {
    await page.getByLabel('Recommendation', { exact: true }).selectOption('not_covered');
    await page.getByLabel('Rationale', { exact: true }).fill('The rates say otherwise.');
    await page.getByRole('button', { name: 'Recommend', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /follows the policy’s decision/);
    await page.getByLabel('Recommendation', { exact: true }).selectOption('covered');
    await page.getByLabel('Rationale', { exact: true }).fill('Every sample used passed; the sequential test crossed its bar for exceeding 0.34.');
    await page.getByRole('button', { name: 'Recommend', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Recommended: covered frontier model' }).waitFor();
    await page.getByText('A director who did not recommend designates.', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Designate/ }).count(), 0);
    const list = await server.api('GET', '/evaluations', credentials[EVE].token);
    const refused = await server.api('POST', `/evaluations/${list.data.items[0].id}/designate`, credentials[EVE].token, {});
    assert.equal(refused.status, 403);
  });

  test('the director designates with the keyboard alone', async () => {
    await signInAs(PAT);
    await goToDesignation('Evaluations', 'Evaluations');
    await page.getByRole('link', { name: /Atlas/ }).first().click();
    await heading(/Evaluation of Atlas/);
    const note = page.getByLabel('Note (optional)');
    await note.focus();
    await page.keyboard.type('Designated on Eve’s recommendation.');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    assert.match(focused, /Designate: covered frontier model/);
    await page.keyboard.press('Enter');
    const notice = page.getByRole('status').filter({ hasText: 'Designated: covered frontier model' });
    await notice.waitFor();
    // The notice takes the focus, so the keyboard goes on from the outcome.
    assert.equal(await notice.evaluate((n) => n === document.activeElement), true);
    await page.getByText('Designated. The lab’s inquiry is answered', { exact: false }).waitFor();
    await checkPage('designation-designated');
  });

  test('the lab reads the answer and an opaque policy reference, and nothing of the evaluation', async () => {
    await signInAs(LEE);
    assert.equal(await page.getByRole('navigation', { name: 'Designation' }).count(), 0);
    await page.getByRole('navigation', { name: 'Review program' }).getByRole('link', { name: 'Inquiries', exact: true }).click();
    await heading('Inquiries');
    const answer = page.getByRole('cell', { name: /Covered frontier model/ });
    await answer.waitFor();
    const text = await answer.innerText();
    assert.match(text, /under policy pol_[0-9a-f]{16}/);
    assert.doesNotMatch(await page.locator('main').innerText(), /demo-covered-cyber|threshold|sha256:/);
    await checkPage('designation-lab-answer');
    await page.goto(`${server.url}/evaluations`);
    await heading('Evaluations');
    await page.getByRole('alert').waitFor();
  });
});
