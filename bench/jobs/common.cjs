// bench/jobs: what graphile.cjs and pgboss.cjs share: their arguments, starting and stopping
// their worker processes, and waiting until every job is done.
'use strict';
const { fork } = require('child_process');

const [url, jobsText, workersText, concurrencyText, role] = process.argv.slice(2);
const args = {
  url,
  jobs: Number(jobsText),
  workers: Number(workersText),
  concurrency: Number(concurrencyText),
  isWorker: role === 'worker',
};
const seconds = (start) => (performance.now() - start) / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Forks `args.workers` copies of `script` in the worker role.
function startWorkers(script) {
  const children = [];
  for (let i = 0; i < args.workers; i++) {
    children.push(fork(script, [url, jobsText, workersText, concurrencyText, 'worker']));
  }
  return children;
}

// Asks each worker to stop (a message), and waits until they exited.
function stopWorkers(children) {
  return Promise.all(
    children.map((child) => new Promise((resolve) => {
      child.on('exit', resolve);
      child.send('stop');
    })),
  );
}

// Polls `countDone` every 100 ms until it reaches args.jobs, printing progress; throws after
// 600 s.
async function waitUntilDone(name, countDone) {
  const start = performance.now();
  let lastPrinted = -1;
  for (;;) {
    const done = await countDone();
    if (done >= args.jobs) return;
    if (Math.floor(done / 10000) !== Math.floor(lastPrinted / 10000)) {
      console.error(`  ${name}: ${done} of ${args.jobs} done`);
      lastPrinted = done;
    }
    if (seconds(start) > 600) throw new Error('not every job was done within 600 s');
    await sleep(100);
  }
}

// Runs the worker role or the main role, exiting 1 with the error on failure.
function main(worker, coordinator) {
  (args.isWorker ? worker() : coordinator()).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { args, seconds, startWorkers, stopWorkers, waitUntilDone, main };
