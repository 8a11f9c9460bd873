// bench/jobs: pg-boss doing jobs_bench's workload.
//   node pgboss.cjs URL JOBS WORKERS CONCURRENCY
// Enqueues JOBS no-op jobs with insert (its bulk API) in batches of 1,000, then starts WORKERS
// worker processes and waits until every job is completed. Prints "enqueue_seconds
// work_seconds". A pg-boss work() loop fetches a batch, runs it, then waits out its polling
// interval (at least 0.5 s) before the next fetch; so that polling does not cap it at 2 batches a
// second, each process runs CONCURRENCY work() loops fetching up to BATCH jobs each, its
// documented way to go faster (more jobs at once than the others are allowed, in its favour).
'use strict';
const PgBoss = require('pg-boss');
const { fork } = require('child_process');
const { Pool } = require('pg');

const [url, jobsText, workersText, concurrencyText, role] = process.argv.slice(2);
const jobs = Number(jobsText);
const workers = Number(workersText);
const concurrency = Number(concurrencyText);
const seconds = (start) => (performance.now() - start) / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const BATCH = 50;

async function start() {
  const boss = new PgBoss({ connectionString: url, max: concurrency + 2, supervise: false, schedule: false });
  boss.on('error', (error) => console.error(error));
  await boss.start();
  return boss;
}

async function worker() {
  const boss = await start();
  for (let i = 0; i < concurrency; i++) {
    await boss.work('noop', { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async () => {});
  }
  process.on('message', async () => {
    await boss.stop({ graceful: true, wait: true });
    process.exit(0);
  });
  process.send('ready');
}

async function main() {
  const boss = await start();
  await boss.createQueue('noop');
  const pool = new Pool({ connectionString: url, max: 2 });
  const enqueueStart = performance.now();
  for (let done = 0; done < jobs; done += 1000) {
    const batch = Math.min(1000, jobs - done);
    await boss.insert(Array.from({ length: batch }, () => ({ name: 'noop', data: {} })));
  }
  const enqueueSeconds = seconds(enqueueStart);
  const workStart = performance.now();
  const children = [];
  for (let i = 0; i < workers; i++) {
    children.push(fork(__filename, [url, jobsText, workersText, concurrencyText, 'worker']));
  }
  let lastPrinted = -1;
  for (;;) {
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'noop' AND state = 'completed'",
    );
    const done = rows[0].n;
    if (done >= jobs) break;
    if (Math.floor(done / 10000) !== Math.floor(lastPrinted / 10000)) {
      console.error(`  pg-boss: ${done} of ${jobs} done`);
      lastPrinted = done;
    }
    if (seconds(workStart) > 600) throw new Error('not every job was done within 600 s');
    await sleep(100);
  }
  const workSeconds = seconds(workStart);
  await Promise.all(
    children.map((child) => new Promise((resolve) => {
      child.on('exit', resolve);
      child.send('stop');
    })),
  );
  await boss.stop({ graceful: false });
  await pool.end();
  console.log(`${enqueueSeconds} ${workSeconds}`);
}

(role === 'worker' ? worker() : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
