// fixture.js -- builds one BullMQ queue with the real library, to an exactly known state, for
// tests/integration/test_queues.c (test_bullmq_real_library):
//   node fixture.js PORT QUEUE
// adds 3 jobs, takes the oldest with Worker.getNextJob (moveToActive: wait -> active, a lock with
// PX lockDuration), then adds 2 delayed jobs, one due after 1 ms and one after an hour. Nothing is
// processed or completed. Expected: waiting 2, active 1, delayed 2 (1 due once 1 ms has passed).
// Prints one JSON line {"version": "<bullmq version>", "taken": "<job id>"} and exits 0.
'use strict';

const { Queue, Worker } = require('bullmq');
const version = require('bullmq/package.json').version;

async function main() {
  const port = Number(process.argv[2]);
  const name = process.argv[3] || 'real';
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  for (let i = 0; i < 3; i++)
    await queue.add('mail', { n: i });
  // autorun false: the worker takes jobs only when asked; the job it takes stays active
  const worker = new Worker(name, null, { connection, autorun: false });
  const job = await worker.getNextJob('queuetop-test-token', { block: false });
  if (!job)
    throw new Error('getNextJob returned no job');
  await queue.add('mail', { n: 3 }, { delay: 1 });
  await queue.add('mail', { n: 4 }, { delay: 3600 * 1000 });
  await worker.close(true);
  await queue.close();
  process.stdout.write(JSON.stringify({ version, taken: job.id }) + '\n');
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`fixture.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
