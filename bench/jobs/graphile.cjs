// bench/jobs: graphile-worker doing jobs_bench's workload.
//   node graphile.cjs URL JOBS WORKERS CONCURRENCY
// Enqueues JOBS no-op jobs with graphile_worker.add_jobs (its bulk API) in batches of 1,000,
// then starts WORKERS worker processes of CONCURRENCY each and waits until every job is gone
// (graphile-worker deletes a job when it completes). Prints "enqueue_seconds work_seconds".
'use strict';
const { run, runMigrations, Logger } = require('graphile-worker');
const { fork } = require('child_process');
const { Pool } = require('pg');

const [url, jobsText, workersText, concurrencyText, role] = process.argv.slice(2);
const jobs = Number(jobsText);
const workers = Number(workersText);
const concurrency = Number(concurrencyText);
const logger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(message);
});
const seconds = (start) => (performance.now() - start) / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function worker() {
  const runner = await run({
    connectionString: url,
    concurrency,
    maxPoolSize: concurrency + 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger,
    taskList: { noop: async () => {} },
  });
  process.on('message', async () => {
    await runner.stop();
    process.exit(0);
  });
  process.send('ready');
}

async function main() {
  await runMigrations({ connectionString: url, logger });
  const pool = new Pool({ connectionString: url, max: 2 });
  const enqueueStart = performance.now();
  for (let done = 0; done < jobs; done += 1000) {
    const batch = Math.min(1000, jobs - done);
    await pool.query(
      "SELECT count(*) FROM graphile_worker.add_jobs(array(SELECT ('noop', '{}'::json, NULL, " +
        'NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec FROM generate_series(1, $1)))',
      [batch],
    );
  }
  const enqueueSeconds = seconds(enqueueStart);
  const workStart = performance.now();
  const children = [];
  for (let i = 0; i < workers; i++) {
    children.push(fork(__filename, [url, jobsText, workersText, concurrencyText, 'worker']));
  }
  let lastPrinted = -1;
  for (;;) {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM graphile_worker.jobs');
    const done = jobs - rows[0].n;
    if (done >= jobs) break;
    if (Math.floor(done / 10000) !== Math.floor(lastPrinted / 10000)) {
      console.error(`  graphile-worker: ${done} of ${jobs} done`);
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
  await pool.end();
  console.log(`${enqueueSeconds} ${workSeconds}`);
}

(role === 'worker' ? worker() : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
