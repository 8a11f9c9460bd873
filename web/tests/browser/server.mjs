// A real `bulwark serve` for the browser tests: a fresh SQLite database in a temporary folder,
// seeded with `bulwark admin seed-demo`, on a free loopback port.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(new URL('../../..', import.meta.url).pathname);

export function bulwarkBinary() {
  return process.env.BULWARK_BIN ?? join(REPO, process.env.BUILD ?? 'build', 'bin', 'bulwark');
}

export class BulwarkServer {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'bulwark-web-test-'));
    this.database = `sqlite:${join(this.dir, 'bulwark.db')}`;
    this.binary = bulwarkBinary();
    this.output = '';
  }

  // Runs `bulwark --database … ARGS` to completion; its standard output.
  run(...args) {
    return execFileSync(this.binary, ['--database', this.database, ...args], {
      cwd: this.dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  // Seeds the demo organizations and users; their credentials by email. Makes the key that
  // encrypts secrets at rest first, as `make demo` does.
  // `extra` are more arguments of seed-demo (--model-url, --suite).
  seedDemo(extra = []) {
    this.run('keys', 'init', '--if-missing');
    const file = join(this.dir, 'demo-credentials.json');
    this.run('admin', 'seed-demo', '--credentials-file', file, '--url', 'http://127.0.0.1', ...extra);
    return JSON.parse(readFileSync(file, 'utf8'));
  }

  // Runs SQL on the database with Debian's sqlite3, for fixtures the API cannot make.
  sql(statement) {
    return execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(this.dir, 'bulwark.db'), statement], { encoding: 'utf8' });
  }

  async start() {
    const webRoot = process.env.BULWARK_WEB_ROOT ?? join(REPO, 'web', 'dist');
    this.process = spawn(
      this.binary,
      [
        '--database', this.database,
        'serve',
        '--listen', '127.0.0.1:0',
        '--web-root', webRoot,
        '--no-access-log',
        '--rate-limit', '10000',
        '--rate-burst', '100000',
        // The suite signs in more than 10 times a minute from one address.
        '--sign-in-limit', '1000',
        '--checkpoint-seconds', '3600',
      ],
      { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process.stderr.on('data', (d) => (this.output += d));
    this.url = await new Promise((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`bulwark serve did not start:\n${out}${this.output}`)), 20000);
      this.process.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      this.process.on('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`bulwark serve exited with ${code}:\n${out}${this.output}`));
      });
    });
    return this.url;
  }

  // Calls the API as a client with an API token would.
  async api(method, path, token, body) {
    const response = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const type = response.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await response.json() : await response.text();
    return { status: response.status, data, headers: response.headers };
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      const exited = new Promise((ok) => this.process.once('exit', ok));
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// `bulwark mock-model` on a free loopback port: a model that answers, for a test whose gateway
// calls must reach one (the demo's model is not running here), playing the tasks of `suite`. Its
// `url` is the base URL without the API's /v1.
export class MockModel {
  constructor(suite = join(REPO, 'suites', 'bulwark-smoke')) {
    this.suite = suite;
  }

  async start() {
    this.output = '';
    this.process = spawn(
      bulwarkBinary(),
      ['mock-model', '--suite', this.suite, '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process.stderr.on('data', (d) => (this.output += d));
    this.url = await new Promise((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`bulwark mock-model did not start:\n${out}${this.output}`)), 20000);
      this.process.stdout.on('data', (d) => {
        out += d;
        const m = /mock model listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      this.process.on('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`bulwark mock-model exited with ${code}:\n${out}${this.output}`));
      });
    });
    return this.url;
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      const exited = new Promise((ok) => this.process.once('exit', ok));
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
  }
}
