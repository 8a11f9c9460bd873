// What the browser tests share: Debian's chromium, launched headless with the flags that work on
// these machines (MACHINE-NOTES; playwright adds a fresh profile); the errors a page logs, kept
// as it runs (an uncaught exception, a console error: a CSP violation shows up there); an
// axe-core scan that fails on any serious or critical violation, with a screenshot of the page
// under build/web-test-artifacts/ (WEB_TEST_ARTIFACTS overrides it); the console's sign-in.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { REPO } from './server.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.WEB_TEST_ARTIFACTS ?? join(REPO, 'build', 'web-test-artifacts');
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: run scripts/install-deps.sh (Debian's chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

// The errors `page` logs. A resource that failed to load is the test's to check, unless
// `strict`, which also counts the page's warnings.
export class PageErrors {
  constructor(page, { strict = false } = {}) {
    this.seen = [];
    page.on('pageerror', (e) => this.seen.push(`uncaught: ${e.message}`));
    page.on('console', (m) => {
      const counted =
        m.type() === 'error' ? strict || !m.text().startsWith('Failed to load resource') : strict && m.type() === 'warning';
      if (counted) this.seen.push(`console: ${m.text()}`);
    });
  }

  add(problem) {
    this.seen.push(problem);
  }

  // Fails on what was logged since the last call.
  expectNone() {
    const seen = this.seen;
    this.seen = [];
    assert.deepEqual(seen, [], 'the page logged errors (a CSP violation shows up here)');
  }
}

// Saves a screenshot of the whole page as `name`.png, then fails on any serious or critical
// accessibility violation, saying where.
export async function scanPage(page, name) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `accessibility violations on ${name}`,
  );
}

export async function heading(page, text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

// Signs in to the console at `url` as `email`; on a page that does not let it in, says what the
// page said (a refusal, a rate limit), not only that it timed out.
export async function signIn(page, url, email, password) {
  await page.goto(`${url}/`);
  await heading(page, 'Sign in to Bulwark');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await heading(page, 'Who am I');
  } catch (e) {
    e.message += `\nthe page said:\n${await page.locator('main').innerText().catch(() => '(nothing)')}`;
    throw e;
  }
}

export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading(page, 'Sign in to Bulwark');
}

// Signs in as `email` whoever is signed in now, so that one failed test leaves the next one a
// clean start.
export async function signInAs(page, url, email, password) {
  await page.goto(`${url}/`);
  await page.locator('main h1').waitFor();
  if ((await page.getByRole('button', { name: 'Sign out' }).count()) > 0) await signOut(page);
  await signIn(page, url, email, password);
}
