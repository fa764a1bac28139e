// The first click after `npm start` (issue 20): N fresh starts in a row (FIRST_CLICK_RUNS, default
// 10), each with a database and queue prefix of its own (a fresh store, as on a new clone) and free
// ports. Each run: start, read the printed authorization URL, request it at once, expect the page
// with a link, stop. FIRST_CLICK_RESTART=1 starts each run a second time on the same store (the
// issue's case: a component token the new sandbox does not know). Writes bench/results/first-click.json.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openTestDatabase, openTestRedis } from '@weixin3rd/testing';
import { freePort } from '../world.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.env.FIRST_CLICK_RUNS ?? 10);
const restart = process.env.FIRST_CLICK_RESTART === '1';
const PRINTED = /^\[start\] .*(http\S+\/authorize\?shop=\S+)/;

/** One `npm start`: until the URL is printed, then one request for it, then Ctrl-C. */
async function startOnce(env) {
  const t0 = Date.now();
  const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const tail = [];
  const url = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 120_000);
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        const m = PRINTED.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    void exited.then(() => resolve(null));
  });
  const printedMs = Date.now() - t0;
  let status = null;
  let link = false;
  let answeredMs = null;
  if (url) {
    const t1 = Date.now();
    const res = await fetch(url);
    const html = await res.text();
    answeredMs = Date.now() - t1;
    status = res.status;
    link = /id="authorize" href="[^"]*pre_auth_code=/.test(html);
  }
  process.kill(-child.pid, 'SIGINT');
  const exit = await exited;
  const ok = status === 200 && link;
  if (!ok) console.error(tail.join('\n'));
  return { ok, status, link, urlPrintedAfterMs: printedMs, pageAnsweredInMs: answeredMs, exit };
}

const results = [];
for (let i = 1; i <= runs; i++) {
  const db = await openTestDatabase(`first-click-${i}`);
  const redis = openTestRedis(`first-click-${i}`);
  const [ingress, consolePort, sandbox] = await Promise.all([freePort(), freePort(), freePort()]);
  const env = {
    MONGODB_URI: db.uri,
    QUEUE_PREFIX: redis.prefix,
    INGRESS_PORT: String(ingress),
    CONSOLE_PORT: String(consolePort),
    SANDBOX_PORT: String(sandbox),
    PUBLIC_BASE_URL: `http://127.0.0.1:${ingress}`,
    HOST: '127.0.0.1',
  };
  const starts = [await startOnce(env)];
  if (restart) starts.push(await startOnce(env));
  for (const [n, r] of starts.entries()) {
    results.push({ run: i, start: n + 1, ...r });
    console.log(
      `run ${i}${restart ? `.${n + 1}` : ''}: ${r.ok ? 'link' : 'NO LINK'} (HTTP ${r.status}), URL printed after ${r.urlPrintedAfterMs} ms, page answered in ${r.pageAnsweredInMs} ms, exit ${r.exit}`,
    );
  }
  await db.drop();
  await redis.cleanup();
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} of ${results.length} first clicks got the link`);
writeFileSync(
  `${root}bench/results/first-click.json`,
  `${JSON.stringify({ date: new Date().toISOString(), runs, restart, passed, results }, null, 2)}\n`,
);
process.exitCode = passed === results.length ? 0 : 1;
