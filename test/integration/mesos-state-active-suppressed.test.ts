// /master/state `active` of a framework across SUBSCRIBE, SUPPRESS, REVIVE and a closed stream:
// mesos-sim's master must answer as the recorded Mesos 1.11 did (a suppressed framework stays
// active; only losing the connection deactivates it). The same steps run against the real Mesos
// master when /opt/mesos is installed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalMaster } from '../../src/sim/mesos/master';
import { SchedulerClient } from '../../src/mesos/client';
import { repoRoot } from '../helpers/fixtures';
import { freePort } from '../helpers/ports';
import { stopProcess } from '../helpers/processes';

interface Step { after: string; active: boolean; connected: boolean }
const recorded = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'mesos-1.11', 'framework-active-suppressed.json'), 'utf8')) as { steps: Step[] };

async function frameworkFlags(base: string, name: string): Promise<{ active: boolean; connected: boolean } | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const state = (await (await fetch(`${base}/master/state`)).json()) as { frameworks: Array<{ name: string; active: boolean; connected: boolean }> };
    const f = state.frameworks.find((x) => x.name === name);
    if (f !== undefined || Date.now() > deadline) return f === undefined ? undefined : { active: f.active, connected: f.connected };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the recorded steps against a master; the flags seen after each. */
async function walk(base: string, name: string): Promise<Step[]> {
  const client = new SchedulerClient({ master: base, encoding: 'json', frameworkInfo: { user: 'root', name, roles: ['*'], failover_timeout: 60, capabilities: [{ type: 'MULTI_ROLE' }] } });
  const seen: Step[] = [];
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));
  const look = async (after: string): Promise<void> => {
    await settle();
    const f = await frameworkFlags(base, name);
    assert.ok(f, `framework ${name} in /master/state after ${after}`);
    seen.push({ after, ...f });
  };
  try {
    const subscribed = new Promise((r) => client.once('subscribed', r));
    client.start();
    await subscribed;
    await look('SUBSCRIBED');
    await client.suppress(['*']);
    await look('SUPPRESS');
    await client.revive(['*']);
    await look('REVIVE');
  } finally {
    await client.stop();
  }
  await look('stream closed');
  return seen;
}

describe('/master/state: a suppressed framework stays active (as recorded on Mesos 1.11)', function () {
  this.timeout(30_000);

  it('mesos-sim\'s master', async function () {
    const master = new LocalMaster({ allocationIntervalMs: 20, heartbeatIntervalSeconds: 1 });
    await master.listen(0, '127.0.0.1');
    try {
      assert.deepEqual(await walk(master.url, 'active-sim'), recorded.steps);
    } finally {
      await master.close();
    }
  });

  it('the real Mesos 1.11 master (skipped without /opt/mesos)', async function () {
    const bin = '/opt/mesos/sbin/mesos-master';
    if (!fs.existsSync(bin)) { console.log('      (skipped: /opt/mesos/sbin/mesos-master not installed)'); this.skip(); }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-active-'));
    const port = await freePort();
    const child = spawn(bin, ['--ip=127.0.0.1', `--port=${port}`, `--work_dir=${work}`, '--registry=in_memory', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise((r) => child.once('exit', r));
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        try { if ((await fetch(`${base}/master/state`)).status === 200) break; } catch { /* not up yet */ }
        if (Date.now() > deadline) throw new Error(`mesos-master did not come up: ${err.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(await walk(base, 'active-real'), recorded.steps);
    } finally {
      await stopProcess(child, exited, 'SIGTERM', 5000);
      fs.rmSync(work, { recursive: true, force: true });
    }
    assert.notEqual(child.exitCode === null && child.signalCode === null, true, 'mesos-master stopped');
  });
});
