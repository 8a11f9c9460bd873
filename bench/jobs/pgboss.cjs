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
const { Pool } = require('pg');
const { args, seconds, startWorkers, stopWorkers, waitUntilDone, main } = require('./common.cjs');

const BATCH = 50;

async function start() {
  const boss = new PgBoss({
    connectionString: args.url,
    max: args.concurrency + 2,
    supervise: false,
    schedule: false,
  });
  boss.on('error', (error) => console.error(error));
  await boss.start();
  return boss;
}

async function worker() {
  const boss = await start();
  for (let i = 0; i < args.concurrency; i++) {
    await boss.work('noop', { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async () => {});
  }
  process.on('message', async () => {
    await boss.stop({ graceful: true, wait: true });
    process.exit(0);
  });
}

async function coordinator() {
  const boss = await start();
  await boss.createQueue('noop');
  const pool = new Pool({ connectionString: args.url, max: 2 });
  const enqueueStart = performance.now();
  for (let done = 0; done < args.jobs; done += 1000) {
    const batch = Math.min(1000, args.jobs - done);
    await boss.insert(Array.from({ length: batch }, () => ({ name: 'noop', data: {} })));
  }
  const enqueueSeconds = seconds(enqueueStart);
  const workStart = performance.now();
  const children = startWorkers(__filename);
  await waitUntilDone('pg-boss', async () => {
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'noop' AND " +
        "state IN ('created', 'retry', 'active')",
    );
    return args.jobs - rows[0].n;
  });
  const workSeconds = seconds(workStart);
  await stopWorkers(children);
  await boss.stop({ graceful: false });
  await pool.end();
  console.log(`${enqueueSeconds} ${workSeconds}`);
}

main(worker, coordinator);
