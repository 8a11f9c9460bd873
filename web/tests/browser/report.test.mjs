// The HTML report of `bulwark eval report` in a real browser (Debian's chromium, driven by
// playwright-core), opened from its file as a reader would: no error and nothing blocked by its
// content security policy, charts with accessible names, an axe-core scan with no serious or
// critical violation, the sample viewer's pages and filters, and any sample opened from the run
// log picked in the page, its transcript (hostile: it tries to close the script element, inject
// markup and run code) shown as text. The run log is written here as docs/run-log.md describes
// it: members with their length and head's CRC, and older members without. A screenshot goes to
// build/web-test-artifacts/ (WEB_TEST_ARTIFACTS overrides it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';

import * as ui from './browser.mjs';
import { bulwarkBinary } from './server.mjs';

const HOSTILE =
  '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' +
  ' "double" \'single\' & <b>bold</b>';
const HOSTILE_TASK = 'x</script><b id="injected">';

// CRC-32, as gzip has it: the head's check and the trailer's.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function le32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

// A member as RunLog writes it (docs/run-log.md): the "BW" extra field with the member's length
// and its head's CRC-32; the head in stored blocks, the rest deflated with the head as
// dictionary.
function member(line) {
  const key = ',"transcript":';
  const at = line.indexOf(key);
  const head = Buffer.from(at < 0 ? '' : line.slice(0, at + key.length));
  const tail = Buffer.from(at < 0 ? line : line.slice(at + key.length));
  const parts = [];
  for (let i = 0; i < head.length; i += 0xffff) {
    const chunk = head.subarray(i, i + 0xffff);
    const block = Buffer.alloc(5);
    block.writeUInt16LE(chunk.length, 1);
    block.writeUInt16LE(~chunk.length & 0xffff, 3);
    parts.push(block, chunk);
  }
  parts.push(zlib.deflateRawSync(tail, head.length > 0 ? { dictionary: head } : {}));
  const text = Buffer.concat([head, tail]);
  const body = Buffer.concat(parts);
  const header = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 12, 0, 0x42, 0x57, 8, 0]);
  const length = header.length + 8 + body.length + 8;
  return Buffer.concat([header, le32(length), le32(crc32(head)), body, le32(crc32(text)),
    le32(text.length)]);
}

// A member as any gzip writer makes it.
function plainMember(line) {
  return zlib.gzipSync(Buffer.from(line));
}

const ENDS = ['passed', 'wrong_answers', 'message_limit', 'time_limit'];

function writeRun(dir, suiteHash, tasks, epochs, model) {
  const lines = [
    JSON.stringify({
      format: 'bulwark-run-log-1', type: 'run', suite: 'browser-suite', suite_version: '1.0.0',
      suite_hash: suiteHash, provider: 'openai', model, base_url: '', epochs,
      started_at: '2026-11-22T09:00:00Z',
    }),
  ];
  let n = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const [i, task] of tasks.entries()) {
      const end = ENDS[(i + epoch) % ENDS.length];
      lines.push(JSON.stringify({
        type: 'sample', task, epoch, end, passed: end === 'passed', infrastructure_error: false,
        score: end === 'passed' ? 1 : 0, attempts: 1, messages: 3, input_tokens: 100,
        output_tokens: 20, seconds: 1.5, error_kind: '', error_message: '',
        transcript: [
          { kind: 'system', text: 'You solve capture-the-flag tasks.' },
          { kind: 'assistant', text: `sample ${task}#${epoch}: ${HOSTILE}` },
          { kind: 'tool_call', tool: 'bash', call_id: 'call_1', text: '{"command": "ls"}' },
          { kind: 'tool_output', tool: 'bash', call_id: 'call_1', exit_code: 0, text: 'flag.txt\n' },
        ],
      }));
      n++;
    }
  }
  // The first samples as an older writer wrote them, the rest as RunLog does.
  const path = join(dir, `${model.replace(/\W/g, '')}.runlog`);
  writeFileSync(path, Buffer.concat(lines.map((l, i) => (i > 0 && i <= 5 ? plainMember : member)(l + '\n'))));
  return { path, samples: n };
}

function writeSuite(dir, tasks) {
  const suite = join(dir, 'suite');
  mkdirSync(suite);
  const categories = ['web', 'pwn', 'crypto'];
  const difficulties = ['easy', 'medium', 'hard'];
  writeFileSync(join(suite, 'suite.yaml'),
    `name: browser-suite\nversion: 1.0.0\ntasks:\n${tasks.map((t) => `  - ${t}.yaml\n`).join('')}`);
  tasks.forEach((t, i) => {
    writeFileSync(join(suite, `${t}.yaml`),
      `id: ${t}\ncategory: ${categories[i % 3]}\ndifficulty: ${difficulties[i % 3]}\n` +
      `prompt: "Find the flag."\nflag: "FLAG{${t}}"\n` +
      `metadata:\n  expected_human_minutes: "${2 ** (i % 8)}"\n`);
  });
  const out = execFileSync(bulwarkBinary(), ['eval', 'validate', suite], { encoding: 'utf8' });
  return { suite, hash: out.match(/sha256:[0-9a-f]{64}/)[0] };
}

let dir;
let browser;
let page;
let run;
let otherRun;
let errors;

describe('the HTML report', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-report-test-'));
    const tasks = Array.from({ length: 24 }, (_, i) => `task-${i}`);
    const { suite, hash } = writeSuite(dir, tasks);
    writeFileSync(join(dir, 'policy.yaml'),
      `id: browser-policy\nversion: 1\nsuites:\n  - name: browser-suite\n    hash: ${hash}\n` +
      'criteria:\n  - id: overall\n    metric: pass_rate\n    threshold: 0.2\n' +
      '  - id: web\n    metric: pass_rate\n    threshold: 0.5\n    categories: [web]\nmin_tasks: 2\n');
    run = writeRun(dir, hash, tasks, 5, 'model-a');
    otherRun = writeRun(dir, hash, tasks, 1, 'model-b');
    execFileSync(bulwarkBinary(), ['eval', 'report', run.path, '--suite', suite, '--policy',
      join(dir, 'policy.yaml'), '--format', 'html', '-o', join(dir, 'report.html')]);
    browser = await ui.launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Its warnings count too, and any request that leaves the file.
    errors = new ui.PageErrors(page, { strict: true });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('blob:')) errors.add(`request: ${r.url()}`);
    });
    await page.goto(`file://${join(dir, 'report.html')}`);
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('opens with its charts, accessibly, and nothing blocked', async () => {
    await page.getByRole('heading', { level: 1, name: /Run report: browser-suite 1\.0\.0/ }).waitFor();
    for (const name of ['Pass rate by category', 'Pass rate by difficulty', 'Time horizon',
      'Sequential evidence: overall', 'Sequential evidence: web']) {
      assert.equal(await page.getByRole('img', { name }).count(), 1, name);
    }
    assert.match(await page.locator('.outcome').innerText(), /exceeds|below|inconclusive/);
    await page.getByRole('row', { name: /^1 task-0 1 / }).waitFor();
    await ui.scanPage(page, 'report');
    errors.expectNone();
  });

  test('pages and filters the samples', async () => {
    assert.equal(await page.locator('#sample-rows tr').count(), 50);
    assert.match(await page.locator('#page-status').innerText(), /of 120 \(page 1 of 3\)/);
    await page.getByRole('button', { name: 'Next page' }).click();
    assert.match(await page.locator('#page-status').innerText(), /Samples 51 to 100 of 120/);
    await page.getByLabel('Task contains').fill('task-7');
    assert.equal(await page.locator('#sample-rows tr').count(), 5);
    await page.getByLabel('End', { exact: true }).selectOption('passed');
    const rows = await page.locator('#sample-rows tr').count();
    assert.ok(rows >= 1 && rows < 5, `${rows} rows`);
    await page.getByLabel('Task contains').fill('');
    await page.getByLabel('End', { exact: true }).selectOption('');
    assert.equal(await page.locator('#sample-rows tr').count(), 50);
    errors.expectNone();
  });

  test('refuses the run log of another run', async () => {
    await page.getByLabel('Run log').setInputFiles(otherRun.path);
    await page.getByText('is the run log of another run').waitFor();
    errors.expectNone();
  });

  test('opens any sample from the run log, its transcript as text', async () => {
    await page.getByLabel('Run log').setInputFiles(run.path);
    await page.getByText('opened: the run of browser-suite by openai/model-a').waitFor();
    // A sample written by the older writer (the first ones) and one written as RunLog does.
    for (const number of [2, 117]) {
      await page.getByLabel('Task contains').fill('');
      if (number > 50) {
        await page.getByRole('button', { name: 'Next page' }).click();
        await page.getByRole('button', { name: 'Next page' }).click();
      }
      const button = page.getByRole('button', { name: new RegExp(`^Open sample ${number}: `) });
      await button.click();
      await page.getByRole('heading', { level: 3, name: new RegExp(`^Sample ${number}: task-`) }).waitFor();
      const transcript = page.locator('#transcript');
      await transcript.locator('li').nth(3).waitFor();
      assert.ok((await transcript.innerText()).includes(HOSTILE), 'the transcript, verbatim');
      assert.equal(await page.locator('#transcript script, #transcript img, #transcript b').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.match(await page.locator('#sample-facts').innerText(), /input_tokens\s+100/);
    }
    await ui.scanPage(page, 'report-sample');
    errors.expectNone();
  });
});

test('a task id that tries to close the page\'s script stays text', async () => {
  const local = mkdtempSync(join(tmpdir(), 'bulwark-report-test-'));
  try {
    const { path } = writeRun(local, `sha256:${'0'.repeat(64)}`, [HOSTILE_TASK, 'plain'], 2, 'model-c');
    const html = join(local, 'report.html');
    execFileSync(bulwarkBinary(), ['eval', 'report', path, '--format', 'html', '-o', html]);
    const b = await ui.launchChromium();
    try {
      const p = await b.newPage();
      const errors = [];
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(`file://${html}`);
      await p.getByRole('cell', { name: HOSTILE_TASK }).first().waitFor();
      assert.equal(await p.locator('#injected').count(), 0);
      assert.equal(await p.locator('#sample-rows tr').count(), 4);
      assert.deepEqual(errors, []);
    } finally {
      await b.close();
    }
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});
