// bench/jobs: graphile-worker doing jobs_bench's workload.
//   node graphile.cjs URL JOBS WORKERS CONCURRENCY
// Enqueues JOBS no-op jobs with graphile_worker.add_jobs (its bulk API) in batches of 1,000,
// then starts WORKERS worker processes of CONCURRENCY each and waits until every job is gone
// (graphile-worker deletes a job when it completes). Prints "enqueue_seconds work_seconds".
'use strict';
const { run, runMigrations, Logger } = require('graphile-worker');
const { Pool } = require('pg');
const { args, seconds, startWorkers, stopWorkers, waitUntilDone, main } = require('./common.cjs');

const logger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(message);
});

async function worker() {
  const runner = await run({
    connectionString: args.url,
    concurrency: args.concurrency,
    maxPoolSize: args.concurrency + 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger,
    taskList: { noop: async () => {} },
  });
  process.on('message', async () => {
    await runner.stop();
    process.exit(0);
  });
}

async function coordinator() {
  await runMigrations({ connectionString: args.url, logger });
  const pool = new Pool({ connectionString: args.url, max: 2 });
  const enqueueStart = performance.now();
  for (let done = 0; done < args.jobs; done += 1000) {
    await pool.query(
      "SELECT count(*) FROM graphile_worker.add_jobs(array(SELECT ('noop', '{}'::json, NULL, " +
        'NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec FROM generate_series(1, $1)))',
      [Math.min(1000, args.jobs - done)],
    );
  }
  const enqueueSeconds = seconds(enqueueStart);
  const workStart = performance.now();
  const children = startWorkers(__filename);
  await waitUntilDone('graphile-worker', async () => {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM graphile_worker.jobs');
    return args.jobs - rows[0].n;
  });
  const workSeconds = seconds(workStart);
  await stopWorkers(children);
  await pool.end();
  console.log(`${enqueueSeconds} ${workSeconds}`);
}

main(worker, coordinator);
