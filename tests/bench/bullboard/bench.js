// bench.js -- what bull-board's queues API (the request its UI polls) costs Redis per refresh,
// against what queuetop's dashboard costs Redis per sample, on the same 300 BullMQ queues
// (20 waiting + 5 delayed each, staged with BullMQ itself). For make bench (bullboard.sh):
//   node bench.js REDIS_PORT REDIS_PID QUEUETOP [QUEUES]
// Redis' CPU is its main thread's run time (/proc/PID/schedstat, ns). Prints the figures.
'use strict';

const fs = require('fs');
const http = require('http');
const { spawn } = require('child_process');
const readline = require('readline');
const express = require('express');
const { Queue } = require('bullmq');
const { createBullBoard } = require('@bull-board/api');
const { BullMQAdapter } = require('@bull-board/api/bullMQAdapter');
const { ExpressAdapter } = require('@bull-board/express');

const [port, redisPid, queuetop] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const QUEUES = Number(process.argv[5] || 300);
const cpuMs = () => Number(fs.readFileSync(`/proc/${redisPid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

async function main() {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queues = [];
  for (let i = 0; i < QUEUES; i++) {
    const q = new Queue(`bench${String(i).padStart(3, '0')}`, { connection });
    const jobs = [];
    for (let j = 0; j < 20; j++) jobs.push({ name: 'work', data: { n: j } });
    for (let j = 0; j < 5; j++) jobs.push({ name: 'later', data: { n: j }, opts: { delay: 3600 * 1000 } });
    await q.addBulk(jobs);
    queues.push(q);
  }
  const counts = await queues[0].getJobCounts('waiting', 'delayed');

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/ui');
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  const app = express();
  app.use('/ui', serverAdapter.getRouter());
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const url = `http://127.0.0.1:${server.address().port}/ui/api/queues?page=1&jobsPerPage=10`;

  const first = await get(url);   // warm-up, and proof that it lists every queue
  const listed = first.status === 200 ? JSON.parse(first.body).queues.length : -1;
  const board = [];
  for (let i = 0; i < 5; i++) {
    const c0 = cpuMs();
    const r = await get(url);
    if (r.status !== 200) throw new Error(`bull-board answered ${r.status}`);
    board.push(cpuMs() - c0);
  }
  await new Promise((resolve) => server.close(resolve));

  const IORedis = require('ioredis');
  const admin = new IORedis({ host: '127.0.0.1', port });
  // what Redis spends with nobody asking (its cron, these 300 queues' idle connections): the
  // same for both, but it weighs on a one-second sample and not on a refresh of 100 ms
  const i0 = cpuMs(), t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 10000));
  const idlePerMs = (cpuMs() - i0) / (Date.now() - t0);
  // queuetop's dashboard collectors, one sample a second (--json streams the same samples)
  const qt = spawn(queuetop, ['--redis', `redis://127.0.0.1:${port}`, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = readline.createInterface({ input: qt.stdout });
  // samples 4-14 spend the start allowance (30 s of budget); 45-55 are the steady state
  let n = 0, c0 = 0, w0 = 0, rows = -1, est = {}, early = 0, raw = 0;
  const per = await new Promise((resolve) => {
    lines.on('line', (line) => {
      n++;
      if (n === 4 || n === 45) { c0 = cpuMs(); w0 = Date.now(); }
      if (n === 45) admin.config('RESETSTAT');
      if (n === 14) early = (cpuMs() - c0) / 10;
      if (n === 55) {
        const doc = JSON.parse(line);
        rows = (doc.redis.queues || []).filter((q) => q.layout === 'bullmq').length;
        est = doc.redis.cost || {};
        raw = (cpuMs() - c0) / 10;
        resolve((cpuMs() - c0 - idlePerMs * (Date.now() - w0)) / 10);
      }
    });
  });
  const stats = (await admin.info('commandstats')).split('\n')
    .map((l) => /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(l)).filter(Boolean)
    .map((m) => ({ name: m[1], calls: Number(m[2]), usec: Number(m[3]) }))
    .sort((a, b) => b.usec - a.usec).slice(0, 10);
  admin.disconnect();
  qt.kill('SIGTERM');
  for (const q of queues) await q.close();

  const b = median(board);
  console.log(`  ${QUEUES} BullMQ queues (20 waiting + 5 delayed each; BullMQ says ${counts.waiting} + ${counts.delayed} for the first)`);
  console.log(`  bull-board ${JSON.parse(fs.readFileSync(require('path').join(__dirname, 'node_modules/@bull-board/api/package.json'), 'utf8')).version} GET /api/queues: Redis CPU median ${b.toFixed(1)} ms per refresh; it listed ${listed} queues`);
  console.log(`  Redis idle (its cron and the queues' open connections, nobody asking): ${(idlePerMs * 1000).toFixed(2)} ms of CPU per second`);
  console.log(`  queuetop dashboard: Redis CPU ${per.toFixed(2)} ms per sample above idle in steady state (${raw.toFixed(2)} ms with it; samples 45-55 of --json; ${early.toFixed(2)} ms in samples 4-14, spending the start allowance); it shows ${rows} BullMQ queues`);
  const pct = (v) => (typeof v === 'number' ? `${(100 * v).toFixed(2)}%` : '?');
  console.log(`    queuetop's own estimate: ${pct(est.share)} of a core (streams ${pct(est.share_streams)}, keys ${pct(est.share_keys)}, server ${pct(est.share_server)})`);
  console.log(`    Redis' own time in samples 45-55 (commandstats, per sample): ${stats.map((x) => `${x.name} ${(x.usec / 10000).toFixed(2)} ms (${Math.round(x.calls / 10)} calls)`).join(', ')}`);
  console.log(`  bull-board / queuetop = ${(b / per).toFixed(1)} x   (goal >= 20x)${b / per >= 20 ? '' : '   MISSED'}`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench.js: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
