// GET /v2/apps with 1,000 apps (one running task each): requests/s of serve, and the ratio to a
// bare node:http server answering the very same bytes, measured in the same run with the same
// client loop (keep-alive fetch, fixed concurrency, fixed duration). Env: MVN_BENCH_API_APPS,
// MVN_BENCH_API_SECONDS, MVN_BENCH_API_CONCURRENCY.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServe } from '../src/cli/serve';
import { LocalMaster } from '../src/sim/mesos/master';
import { simulatedAgent } from '../src/sim/mesos/simulated-agent';

const APPS = Number(process.env.MVN_BENCH_API_APPS ?? 1000);
const SECONDS = Number(process.env.MVN_BENCH_API_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.MVN_BENCH_API_CONCURRENCY ?? 16);

interface LoadResult { requests: number; seconds: number; rps: number; bytes: number; errors: number }

/** `CONCURRENCY` workers issuing GETs back to back for `SECONDS`. */
async function load(url: string): Promise<LoadResult> {
  const until = performance.now() + SECONDS * 1000;
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const res = await fetch(url);
      const body = await res.arrayBuffer();
      if (res.status !== 200) errors++;
      requests++;
      bytes += body.byteLength;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  const seconds = (performance.now() - start) / 1000;
  return { requests, seconds, rps: requests / seconds, bytes, errors };
}

export async function run(): Promise<void> {
  const master = new LocalMaster({ allocationIntervalMs: 50 });
  for (let i = 0; i < 10; i++) {
    master.addAgent(simulatedAgent({ resources: { cpus: 64, mem: 65536, disk: 1000, ports: [[31000, 32000]] }, hostname: `api-bench-${i}`, taskDelayMs: 1 }));
  }
  await master.listen(0, '127.0.0.1');
  const serve = await startServe({ master: master.url, httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:', reconciliationInitialDelayMs: 600_000 });
  for (let a = 0; a < APPS; a++) {
    const res = await fetch(`${serve.url}/v2/apps`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: `/api-bench/group-${a % 20}/app-${a}`, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: 1, labels: { bench: 'api', n: String(a) } }),
    });
    if (res.status !== 201) throw new Error(`POST: ${res.status} ${await res.text()}`);
  }
  // wait for the launches to settle so that both servers answer identical bytes
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${serve.url}/v2/deployments`);
    const deps = (await res.json()) as unknown[];
    if (deps.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const sample = Buffer.from(await (await fetch(`${serve.url}/v2/apps`)).arrayBuffer());

  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': sample.length });
    res.end(sample);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const barePort = (bare.address() as AddressInfo).port;

  // warm-up, then measure serve and the baseline back to back
  await load(`http://127.0.0.1:${barePort}/`);
  const ours = await load(`${serve.url}/v2/apps`);
  const base = await load(`http://127.0.0.1:${barePort}/`);

  const lines = [
    `apps                 ${APPS} (${(sample.length / 1024).toFixed(0)} KiB per response), ${CONCURRENCY} concurrent clients, ${SECONDS} s each`,
    `serve GET /v2/apps   ${ours.rps.toFixed(1)} req/s (${ours.requests} requests, ${ours.errors} errors)`,
    `bare node:http       ${base.rps.toFixed(1)} req/s (same bytes)`,
    `ratio                ${(ours.rps / base.rps).toFixed(3)} of the bare server`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  await serve.close();
  await master.close();
}
