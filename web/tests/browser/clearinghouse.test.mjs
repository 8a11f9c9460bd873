// The clearinghouse in a real browser against a real `bulwark serve`, seeded by the demo (its
// built-in Go advisories and inventories when ../shared is not beside the test's folder). Rita,
// the hospital's IT lead, sees her assets, records one, uploads its SBOM and is told what it
// opened; she opens a finding, reads why it has its priority and decides it is not affected, for
// every asset of the hospital. The demo's sweep escalated the hospital's findings whose deadlines
// passed: Rita sees the escalation above her notices and acknowledges it. Her Findings page charts
// the hospital's open findings by deadline tier over time and its time to remediate. Cory, the
// clearinghouse's coordinator, sees the portfolio with each operator's findings by deadline tier,
// an operator's findings from it, the escalations across operators (Rita's acknowledged) and the
// same charts for every operator. Each page gets an axe-core scan and a screenshot under
// build/web-test-artifacts/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import * as ui from './browser.mjs';
import { BulwarkServer } from './server.mjs';

const RITA = 'it@rural-hospital.demo';
const CORY = 'coordinator@clearinghouse.demo';
const TIMELINES = ['3 days & forensic investigation', '3 days', '14 days', '60 days', 'fix on system upgrade'];

const SBOM = JSON.stringify({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  components: [
    { type: 'library', name: 'golang.org/x/text', version: 'v0.3.6', purl: 'pkg:golang/golang.org/x/text@v0.3.6' },
    { type: 'library', name: 'github.com/google/uuid', version: 'v1.3.0', purl: 'pkg:golang/github.com/google/uuid@v1.3.0' },
  ],
});

let server;
let browser;
let page;
let credentials;
let errors;

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

async function goTo(label, title) {
  await page.getByRole('navigation', { name: 'Clearinghouse' }).getByRole('link', { name: label, exact: true }).click();
  await heading(title);
}

// The chart of a figure's SVG whose name (its caption) matches `name`, and the figure itself.
function chart(name) {
  const img = page.getByRole('img', { name });
  return { img, figure: page.locator('figure').filter({ has: img }) };
}

// The charts of GET /clearinghouse/trend on the page: both drawn with their captions and text
// alternatives, and their figures as tables: a row a day by timeline (at least two days with open
// findings: the demo's findings became known over the past weeks), a row a timeline of the time
// to remediate (at least one timeline with remediated findings).
async function checkCharts() {
  const trend = chart(/^Open findings by deadline tier over time, the last \d+ days$/);
  await trend.img.waitFor();
  const described = await trend.img.evaluate((svg) => svg.querySelector('desc')?.textContent ?? '');
  assert.match(described, /^From \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(UTC\)\. On .*overdue\./);
  assert.ok((await trend.img.locator('path').count()) >= TIMELINES.length, 'a band a timeline and the overdue line');
  await trend.figure.getByRole('list', { name: 'Deadline tiers' }).getByText('overdue').waitFor();
  await trend.figure.getByText('The figures').click();
  const days = trend.figure.getByRole('table');
  for (const t of TIMELINES) await days.getByRole('columnheader', { name: t, exact: true }).waitFor();
  const open = await days.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.cells[6].textContent)));
  assert.ok(open.length >= 7, `a row a day: ${open.length}`);
  assert.ok(open.filter((n) => n > 0).length >= 2, `days with open findings: ${JSON.stringify(open)}`);

  const fixes = chart(/^Time to remediate the findings fixed in the last \d+ days$/);
  await fixes.img.waitFor();
  const rowTexts = await fixes.img.locator('text').allTextContents();
  const said = rowTexts.filter((t) => /^(none yet|remediated \d+, within deadline \d+)$/.test(t));
  assert.equal(said.length, TIMELINES.length, `a row a timeline says what was remediated: ${JSON.stringify(rowTexts)}`);
  await fixes.figure.getByText('The figures').click();
  const rows = fixes.figure.getByRole('table');
  for (const t of TIMELINES) await rows.getByRole('rowheader', { name: t, exact: true }).waitFor();
  const remediated = await rows.locator('tbody tr').evaluateAll((r) => r.map((tr) => Number(tr.cells[1].textContent)));
  assert.equal(remediated.length, TIMELINES.length);
  assert.ok(remediated.some((n) => n > 0), `remediated by timeline: ${JSON.stringify(remediated)}`);
  assert.ok(said.some((t) => t.startsWith('remediated ')), 'the chart has a row with remediated findings');
}

before(async () => {
  server = new BulwarkServer();
  credentials = server.seedDemo();
  await server.start();
  browser = await ui.launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  errors = new ui.PageErrors(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('clearinghouse', () => {
  test('an operator finds the demo’s notices in its inbox, acknowledges one and reports it fixed', async () => {
    await signInAs(RITA);
    await goTo('Notices', 'Notices');
    // A notice still to act on: the seed reported one of the hospital's fixed a month ago, and the
    // x/text one (GO-2022-1059) is decided in a test below.
    const toActOn = page.getByRole('region', { name: /^To act on/ });
    await toActOn.getByRole('article').first().waitFor();
    const open = (await toActOn.getByRole('article').getByRole('heading').allInnerTexts()).map((h) => /GO-\d{4}-\d+/.exec(h)?.[0]);
    const advisory = open.find((id) => id && id !== 'GO-2022-1059');
    assert.ok(advisory, `a notice to act on besides x/text's: ${JSON.stringify(open)}`);
    const dealtWith = page.getByRole('heading', { name: /^Dealt with \(\d+\)$/ });
    const before = (await dealtWith.count()) > 0 ? Number(/\d+/.exec(await dealtWith.innerText())[0]) : 0;
    const first = page.getByRole('article').filter({ has: page.getByRole('heading', { name: new RegExp(advisory) }) });
    await first.getByRole('columnheader', { name: 'Upgrade to' }).waitFor();
    await checkPage('clearinghouse-notices');
    // The signed notice, and its place in the ledger.
    await first.getByText('The signed notice', { exact: true }).click();
    await first.getByRole('button', { name: `Show its ledger proof for ${advisory}` }).click();
    const proof = JSON.parse(await first.locator('pre.signed-note').nth(1).innerText());
    assert.equal(proof.advisory, advisory);
    assert.match(proof.root, /^[0-9a-f]{64}$/);
    assert.ok(proof.index < proof.size, JSON.stringify(proof));
    await first.getByRole('button', { name: `Acknowledge ${advisory}` }).click();
    await page.getByRole('status').filter({ hasText: `Acknowledged ${advisory}.` }).waitFor();
    const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: new RegExp(advisory) }) });
    await card.getByText('Report what was done').click();
    await card.getByLabel('What was done', { exact: true }).selectOption('mitigated');
    await card.getByLabel('Note').fill('The service is behind the hospital VPN.');
    await card.getByRole('button', { name: 'Report' }).click();
    await page.getByRole('status').filter({ hasText: `Reported mitigated for ${advisory}.` }).waitFor();
    await page.getByRole('heading', { name: `Dealt with (${before + 1})`, exact: true }).waitFor();
    // A webhook: its secret is shown once.
    await page.getByLabel('Webhook address').fill('https://soc.rural-hospital.example/bulwark');
    await page.getByRole('button', { name: 'Add the webhook' }).click();
    await page.getByText(/shown once: whsec_/).waitFor();
    await checkPage('clearinghouse-notices-after');
  });

  test('an operator is told which findings passed their deadlines, and acknowledges the escalation', async () => {
    await signInAs(RITA);
    await goTo('Notices', 'Notices');
    const section = page.getByRole('region', { name: /^Escalations/ });
    const waiting = section.getByRole('article');
    await waiting.first().waitFor();
    const before = await waiting.count();
    await section.getByRole('heading', { name: `Escalations to acknowledge (${before})`, exact: true }).waitFor();
    const card = waiting.first();
    const title = (await card.getByRole('heading').innerText()).trim();
    assert.match(title, /^(1 finding passed its deadline|\d+ findings passed their deadlines)$/);
    const findings = Number(title.split(' ')[0]);
    // Its findings, each with the deadline that passed.
    const items = card.getByRole('table').locator('tbody tr');
    assert.ok((await items.count()) >= 1);
    assert.match(await items.first().innerText(), /overdue/);
    await checkPage('clearinghouse-escalations');

    await card.getByRole('button', { name: /^Acknowledge the escalation of / }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Acknowledged the escalation of ${findings} finding${findings === 1 ? '' : 's'}.` })
      .waitFor();
    const left = before - 1;
    await section
      .getByRole('heading', { name: left > 0 ? `Escalations to acknowledge (${left})` : 'Escalations', exact: true })
      .waitFor();
    // Acknowledged ones are folded away, and ask nothing more.
    await section.getByText(/^Acknowledged escalations \(\d+\)$/).click();
    const acknowledged = section.getByRole('article').filter({ hasText: 'Acknowledged ' });
    await acknowledged.first().waitFor();
    assert.equal(await acknowledged.first().getByRole('button', { name: /^Acknowledge/ }).count(), 0);
    await checkPage('clearinghouse-escalations-after');
  });

  test('an operator records an asset, uploads its SBOM and is told what it opened', async () => {
    await signInAs(RITA);
    await goTo('Assets', 'Assets');
    await page.getByRole('row', { name: /Patient portal/ }).waitFor();
    await checkPage('clearinghouse-assets');

    await page.getByLabel('Name', { exact: true }).fill('Lab results server');
    await page.getByLabel('Environment').fill('clinical network');
    await page.getByLabel('Mission and well-being impact').selectOption('high');
    await page.getByRole('button', { name: 'Record the asset' }).click();
    await page.getByRole('status').filter({ hasText: 'Recorded Lab results server' }).waitFor();
    await page.getByRole('link', { name: 'Lab results server' }).click();
    await heading('Lab results server');

    await page.getByLabel('SBOM file').setInputFiles({ name: 'bom.json', mimeType: 'application/json', buffer: Buffer.from(SBOM) });
    await page.getByRole('button', { name: 'Upload and match' }).click();
    await page.getByRole('status').filter({ hasText: 'Inventory v1: 2 packages, 2 added, 0 removed; 1 findings opened' }).waitFor();
    await page.getByRole('row', { name: /golang.org\/x\/text v0.3.6/ }).waitFor();
    await page.getByRole('row', { name: /^v1 / }).waitFor();
    await checkPage('clearinghouse-asset');

    // The same SBOM again changes nothing.
    await page.getByLabel('SBOM file').setInputFiles({ name: 'bom.json', mimeType: 'application/json', buffer: Buffer.from(SBOM) });
    await page.getByRole('button', { name: 'Upload and match' }).click();
    await page.getByRole('status').filter({ hasText: 'the same as inventory v1: nothing changed' }).waitFor();
    // A file that is not an SBOM is refused in words, saying where.
    await page.getByLabel('SBOM file').setInputFiles({ name: 'bom.json', mimeType: 'application/json', buffer: Buffer.from('{"bomFormat": "CycloneDX",\n "components": [') });
    await page.getByRole('button', { name: 'Upload and match' }).click();
    await page.getByText('The SBOM was not recorded.').waitFor();
    await page.getByText(/line 2/).first().waitFor();
  });

  test('a finding says why it has its priority, and a decision applies across the operator', async () => {
    await goTo('Findings', 'Findings');
    const row = page.getByRole('row', { name: /Lab results server/ });
    await row.getByRole('link', { name: 'golang.org/x/text v0.3.6' }).click();
    await heading(/golang.org\/x\/text v0.3.6: GO-2022-1059/);
    const why = page.getByRole('table', { name: 'Why this priority' });
    await why.getByRole('rowheader', { name: 'BOD 26-04 timeline' }).waitFor();
    await why.getByRole('rowheader', { name: 'KEV' }).waitFor();
    await checkPage('clearinghouse-finding');

    await page.getByLabel('New state').selectOption('not_affected');
    await page.getByLabel('Justification').selectOption('vulnerable_code_not_in_execute_path');
    await page.getByLabel('Note').fill('Language negotiation is not used by any of our systems.');
    await page.getByLabel('Scope').selectOption('operator');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    // Every x/text finding of the hospital moved: the new asset's, and the demo's two.
    await page.getByRole('status').filter({ hasText: 'Not affected: 3 findings moved.' }).waitFor();
    await page.getByText('(vulnerable code not in execute path)').waitFor();
    // The findings as a CSAF VEX document.
    await goTo('Findings', 'Findings');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download VEX (CSAF 2.0)' }).click(),
    ]);
    const csaf = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(csaf.document.category, 'csaf_vex');
    assert.ok(csaf.vulnerabilities.some((v) => v.flags?.some((f) => f.label === 'vulnerable_code_not_in_execute_path')));
  });

  test('an operator sees its open findings by deadline tier over time and its time to remediate', async () => {
    await signInAs(RITA);
    await goTo('Findings', 'Findings');
    await checkCharts();
    await checkPage('clearinghouse-findings-charts');
    // Another period: the charts load again.
    await page.getByRole('radio', { name: '30 days' }).check();
    await chart('Open findings by deadline tier over time, the last 30 days').img.waitFor();
  });

  test('the clearinghouse sees every operator, most exposed first, and an operator’s findings', async () => {
    await signInAs(CORY);
    await goTo('Portfolio', 'Portfolio');
    const rows = page.getByRole('table', { name: 'Operators, most exposed first' }).getByRole('row');
    await rows.nth(3).waitFor();
    // The hospital dealt with its findings in the tests above: the utility's come first now.
    const order = [];
    for (let i = 1; i <= 3; i++) order.push((await rows.nth(i).getByRole('rowheader').innerText()).trim());
    assert.deepEqual(order, ['Local Utility', 'Community Bank', 'Rural Hospital']);
    await page.getByRole('img', { name: /Local Utility: 0 3 days \+ forensics, .*2 on upgrade/ }).waitFor();
    await checkPage('clearinghouse-portfolio');
    await page.getByRole('link', { name: 'Community Bank' }).click();
    await heading('Findings');
    // The seed's upgrade of the bank's mail bridge verified its finding fixed.
    await page.getByLabel('Show decided and fixed findings too').check();
    await page.getByRole('row', { name: /Staff mail bridge.*verified fixed/ }).first().waitFor();
    await checkPage('clearinghouse-operator-findings');
  });

  test('the clearinghouse sees the escalations across operators, and every operator’s findings over time', async () => {
    await signInAs(CORY);
    await goTo('Portfolio', 'Portfolio');
    const escalations = page.getByRole('table', { name: 'Recent escalations' });
    await escalations.getByRole('row', { name: /Rural Hospital/ }).first().waitFor();
    // The one Rita acknowledged above says so.
    await escalations.getByRole('row', { name: /Rural Hospital.*acknowledged/ }).first().waitFor();
    await checkCharts();
    await checkPage('clearinghouse-portfolio-charts');
  });
});
