// Real processes: `marathon-vnet serve` talks to `marathon-vnet mesos-sim` through a TCP proxy
// (test/helpers/reset-proxy.ts) that resets a seeded fraction of the scheduler's call
// connections, half before the master saw the call, half after it acted — never the SUBSCRIBE
// stream. Apps are posted over time; every one must run, and no offer may stay outstanding at the
// master longer than the offer bound (measured from the master's own /master/state).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { OFFER_HOLD_BOUND_MS } from '../../src/core/scheduler/offer-ledger';
import { ResetProxy } from '../helpers/reset-proxy';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(REPO, 'src', 'bin', 'marathon-vnet.js');

interface Proc { child: ChildProcess; out: string; exit: Promise<number | null> }

async function startCli(args: string[], ready: RegExp): Promise<{ proc: Proc; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  const proc: Proc = { child, out: '', exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (d: Buffer) => { proc.out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { proc.out += d.toString(); });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${proc.out}`)), 20_000);
    const check = (): void => {
      const m = ready.exec(proc.out);
      if (m !== null) { clearTimeout(timer); resolve(m); }
    };
    child.stdout?.on('data', check);
    void proc.exit.then((code) => { clearTimeout(timer); reject(new Error(`${args[0]} exited ${code}: ${proc.out}`)); });
  });
  return { proc, match };
}

async function stopCli(proc: Proc | undefined): Promise<number | null> {
  if (proc === undefined) return 0;
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGTERM');
    const t = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
    const code = await proc.exit;
    clearTimeout(t);
    return code;
  }
  return proc.exit;
}

interface MasterState {
  frameworks: Array<{ name: string; active: boolean; tasks: Array<{ id: string; state: string }>; offers: Array<{ id: string }> }>;
}

interface Measured { maxOfferAgeMs: number; maxReportedAgeMs: number; maxHeld: number; offersSeen: number; polls: number }

/** Polls the master's state and serve's /v2/queue every 200 ms: how long each offer stayed outstanding, as the master sees it. */
function watchOffers(simBase: string, api: string, framework: string): { stop: () => Promise<Measured>; state: () => MasterState | undefined } {
  const firstSeen = new Map<string, number>();
  const m: Measured = { maxOfferAgeMs: 0, maxReportedAgeMs: 0, maxHeld: 0, offersSeen: 0, polls: 0 };
  let last: MasterState | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const state = (await (await fetch(`${simBase}/master/state`)).json()) as MasterState;
        last = state;
        const now = Date.now();
        for (const o of state.frameworks.find((f) => f.name === framework)?.offers ?? []) {
          if (!firstSeen.has(o.id)) firstSeen.set(o.id, now);
          m.maxOfferAgeMs = Math.max(m.maxOfferAgeMs, now - (firstSeen.get(o.id) as number));
        }
        const q = (await (await fetch(`${api}/v2/queue`)).json()) as { offers?: { held: number; oldestAgeSeconds: number } };
        if (q.offers !== undefined) {
          m.maxReportedAgeMs = Math.max(m.maxReportedAgeMs, q.offers.oldestAgeSeconds * 1000);
          m.maxHeld = Math.max(m.maxHeld, q.offers.held);
        }
        m.polls += 1;
      } catch {
        // a poll racing a stop; the next one counts
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    state: () => last,
    stop: async () => { running = false; await loop; m.offersSeen = firstSeen.size; return m; },
  };
}

function runningApps(state: MasterState | undefined, framework: string): Set<string> {
  const out = new Set<string>();
  for (const t of state?.frameworks.find((f) => f.name === framework)?.tasks ?? []) {
    if (t.state === 'TASK_RUNNING') out.add(t.id.split('.instance-')[0] as string);
  }
  return out;
}

async function scenario(opts: { rate: number; seed: number; apps: number; postEveryMs: number; runWithinMs: number }): Promise<void> {
  const runId = randomBytes(3).toString('hex');
  const framework = `faults-${runId}`;
  let sim: Proc | undefined;
  let serve: Proc | undefined;
  let proxy: ResetProxy | undefined;
  try {
    const s = await startCli(['mesos-sim', '--listen', '127.0.0.1:0', '--agents', '3', '--cpus', '4', '--mem', '4096', '--heartbeat', '1', '--task-delay', '10'],
      /listening on (http:\/\/127\.0\.0\.1:(\d+))\/api\/v1\/scheduler/);
    sim = s.proc;
    const simBase = s.match[1] as string;
    proxy = new ResetProxy({ target: { host: '127.0.0.1', port: Number(s.match[2]) }, resetRate: opts.rate, seed: opts.seed });
    const proxyBase = await proxy.listen();
    const sv = await startCli(['serve', '--master', proxyBase, '--http-port', '0', '--listen', '127.0.0.1', '--state', 'memory:', '--no-ui',
      '--log-level', 'error', '--framework-name', framework, '--failover-timeout', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    serve = sv.proc;
    const api = sv.match[1] as string;
    const watch = watchOffers(simBase, api, framework);
    const started = Date.now();
    for (let i = 0; i < opts.apps; i++) {
      const post = await fetch(`${api}/v2/apps`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: `/faults/app-${i}`, cmd: 'sleep 600', cpus: 0.05, mem: 16 }),
      });
      assert.equal(post.status, 201, await post.text());
      // On a fixed schedule from the start, so slow answers under load do not stretch the posting.
      if (i < opts.apps - 1) await new Promise((r) => setTimeout(r, Math.max(0, started + (i + 1) * opts.postEveryMs - Date.now())));
    }
    let allRunningAt: number | undefined;
    while (Date.now() - started < opts.runWithinMs) {
      if (runningApps(watch.state(), framework).size === opts.apps) { allRunningAt = Date.now(); break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    // keep watching the offers a little after convergence: none may stay behind
    await new Promise((r) => setTimeout(r, 3000));
    const m = await watch.stop();
    const stats = proxy.stats;
    console.log(`      [${opts.rate * 100}% resets] ${opts.apps} apps: all running after ${allRunningAt === undefined ? 'never' : `${allRunningAt - started} ms`}; `
      + `calls ${stats.calls}, reset before ${stats.resetBefore}, after ${stats.resetAfter}; offers seen ${m.offersSeen}, `
      + `longest outstanding at the master ${m.maxOfferAgeMs} ms, oldest reported by /v2/queue ${Math.round(m.maxReportedAgeMs)} ms, most held ${m.maxHeld}`);
    const missing = opts.apps - runningApps(watch.state(), framework).size;
    assert.ok(allRunningAt !== undefined, `${missing} of ${opts.apps} apps not running after ${opts.runWithinMs} ms\n${serve.out.slice(-4000)}`);
    assert.ok(stats.resetBefore > 0 && stats.resetAfter > 0, `the proxy reset calls both ways: ${JSON.stringify(stats)}`);
    assert.ok(stats.subscribeStreams >= 1);
    // The watcher really watched (an offer answered within one 200 ms poll is never seen, so the
    // number of offers seen says little), and every app cost at least one call through the proxy.
    assert.ok(m.polls >= (opts.apps * opts.postEveryMs) / 2000, `the master and /v2/queue were polled throughout (${m.polls} polls)`);
    assert.ok(stats.calls >= opts.apps, `every app was launched through the proxy: ${JSON.stringify(stats)}`);
    assert.ok(m.maxOfferAgeMs <= OFFER_HOLD_BOUND_MS, `an offer stayed outstanding ${m.maxOfferAgeMs} ms (bound ${OFFER_HOLD_BOUND_MS} ms)`);
    assert.ok(m.maxReportedAgeMs <= OFFER_HOLD_BOUND_MS, `/v2/queue reported an offer held ${m.maxReportedAgeMs} ms`);
    const metrics = await (await fetch(`${api}/metrics`)).text();
    assert.match(metrics, /^marathon_mesos_offers_held \d+$/m);
    assert.match(metrics, /^marathon_mesos_offer_oldest_age_seconds [\d.e-]+$/m);
  } finally {
    const serveCode = await stopCli(serve);
    await proxy?.close();
    const simCode = await stopCli(sim);
    assert.equal(serveCode, 0, serve?.out.slice(-2000));
    assert.equal(simCode, 0, sim?.out.slice(-2000));
  }
}

describe('serve ↔ mesos-sim through a proxy that resets calls (real processes)', function () {
  this.timeout(150_000);

  it('10% of calls reset: 30 one-instance apps posted over 45 s all run within 60 s, no offer held past the bound', async function () {
    await scenario({ rate: 0.1, seed: 1017, apps: 30, postEveryMs: 1500, runWithinMs: 60_000 });
  });

  it('30% of calls reset: 12 apps posted over 12 s still all run (within 45 s), no offer held past the bound', async function () {
    await scenario({ rate: 0.3, seed: 3017, apps: 12, postEveryMs: 1000, runWithinMs: 45_000 });
  });
});
