// Issue 21, repro 2, with real processes: a 3-member ZooKeeper ensemble, three `serve` child
// processes on one state path and a `marathon-vnet mesos-sim` child process. Scale 1 → 200 through
// a follower and kill -9 the leader 30 ms later; stop the ZooKeeper leader, scale to 150; stop a
// second member (quorum lost), restart both; once a leader exists scale to 100. It must end with
// 100 running tasks in the master, no deployment, the three serves agreeing, and kills of unknown
// tasks that stop (an older main launched and killed in a loop here after the quorum came back).
// Twice: with short sessions, waiting until no serve leads before the quorum returns (every serve
// re-elects and reloads), and with serve's default 10 s timeouts, the quorum back at once (the
// leader may keep its session across the outage).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { httpJson, processesMentioning, spawnServe, waitFor, type ServeProcess } from '../helpers/ha-cluster';
import { describeNeeding } from '../helpers/requires';
import { startEnsemble, type ZooKeeperCluster } from '../helpers/zookeeper';
import { freePort } from '../helpers/ports';

const BIN = path.resolve(__dirname, '..', '..', '..', 'src', 'bin', 'marathon-vnet.js');
const APP = '/repro/r2';
const AGENTS = 10;
const CONVERGE_MS = 120_000;

interface Variant {
  title: string;
  /** serve --zk_session_timeout and --zk_timeout */
  sessionMs: number;
  zkTimeoutMs: number;
  /** Restart the two members only once no serve leads (sessions gone), or at once. */
  waitLeaderless: boolean;
}

interface MasterTask { id: string; state: string }
interface MasterState { frameworks: Array<{ id: string; tasks: MasterTask[]; completed_tasks: MasterTask[] }> }
interface AppView { id: string; instances: number; tasksRunning: number; tasksStaged: number; deployments: unknown[] }


function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await waitExit(child, 10_000);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await waitExit(child, 5000);
  }
}

function repro2(v: Variant): void {
  describeNeeding(['zookeeper'], `issue 21 repro 2 (real processes), ${v.title}: leader kill -9 and ZooKeeper quorum loss during scaling`, function () {
    this.timeout(300_000);
    const runId = randomBytes(4).toString('hex');
    let dir = '';
    let zk: ZooKeeperCluster | undefined;
    let sim: ChildProcess | undefined;
    let masterUrl = '';
    const serves: Array<ServeProcess | undefined> = [];

    before(async function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `mvn-r2-${runId}-`));
      zk = await startEnsemble(3);
      const port = await freePort();
      const simLog = fs.openSync(path.join(dir, 'mesos-sim.log'), 'a');
      // --work-dir carries the run id into the command line (the leftover check looks for it).
      sim = spawn(process.execPath, [BIN, 'mesos-sim', '--listen', `127.0.0.1:${port}`, '--agents', String(AGENTS),
        '--cpus', '16', '--mem', '65536', '--work-dir', path.join(dir, 'agents')], { stdio: ['ignore', simLog, simLog] });
      fs.closeSync(simLog);
      masterUrl = `http://127.0.0.1:${port}`;
      await waitFor('mesos-sim to answer', async () => ((await fetch(`${masterUrl}/health`, { signal: AbortSignal.timeout(1000) })).status === 200 ? true : undefined), 20_000, 50);
      for (let i = 0; i < 3; i++) serves[i] = await startServe(i);
    });

    after(async () => {
      await Promise.all(serves.map((s) => stopChild(s?.child, 'SIGKILL')));
      await stopChild(sim, 'SIGTERM');
      await zk?.stop();
      if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
      assert.deepEqual(zk?.alivePids() ?? [], [], 'no ZooKeeper member left');
      assert.equal(fs.existsSync(dir), false, 'private dir removed');
      assert.deepEqual(processesMentioning(runId), [], 'no process carrying the run id is left');
    });

    function startServe(index: number): Promise<ServeProcess> {
      return spawnServe({
        index, masterUrl, stateUrl: (zk as ZooKeeperCluster).url(`/mvn-r2-${runId}`), logFile: path.join(dir, `serve-${index}.log`),
        sessionTimeoutMs: v.sessionMs, zkTimeoutMs: v.zkTimeoutMs, logLevel: 'info', serveArgs: [],
      }).then((s) => { serves[index] = s; return s; });
    }

    const alive = (): ServeProcess[] => serves.filter((s): s is ServeProcess => s?.child !== undefined);

    async function kill9(s: ServeProcess): Promise<void> {
      await stopChild(s.child, 'SIGKILL');
      s.child = undefined;
    }

    /** The serve that names itself leader and reports a Mesos subscription. */
    function waitLeader(what: string, timeoutMs = 60_000): Promise<ServeProcess> {
      return waitFor(what, async () => {
        for (const s of alive()) {
          const r = await httpJson<{ leader: string }>(`${s.url}/v2/leader`, { timeoutMs: 1000 }).catch(() => undefined);
          if (r?.status !== 200 || r.body.leader !== s.hostPort) continue;
          const m = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(1000) }).then((x) => x.text()).catch(() => '');
          if (/^marathon_leader 1$/m.test(m) && /^marathon_mesos_subscribed 1$/m.test(m)) return s;
        }
        return undefined;
      }, timeoutMs, 50).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
    }

    async function masterState(): Promise<MasterState> {
      const r = await httpJson<MasterState>(`${masterUrl}/master/state`, { timeoutMs: 5000 });
      assert.equal(r.status, 200, r.text.slice(0, 200));
      return r.body;
    }

    async function tasks(): Promise<{ active: MasterTask[]; running: number; completed: number; frameworks: number }> {
      const st = await masterState();
      const active = st.frameworks.flatMap((f) => f.tasks);
      return {
        active, running: active.filter((t) => t.state === 'TASK_RUNNING').length,
        completed: st.frameworks.reduce((n, f) => n + f.completed_tasks.length, 0), frameworks: st.frameworks.length,
      };
    }

    function unknownKillLines(): string[] {
      const out: string[] = [];
      for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('serve-'))) {
        for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) if (line.includes('killing unknown task')) out.push(line);
      }
      return out;
    }

    function logTails(): string {
      return serves.map((s) => {
        if (s === undefined) return '';
        const lines = fs.readFileSync(s.logFile, 'utf8').trim().split('\n');
        return `--- serve ${s.index}${s.child === undefined ? ' (killed)' : ''}, last lines of ${lines.length}\n${lines.slice(-25).join('\n')}`;
      }).join('\n');
    }

    async function fail(what: string): Promise<never> {
      const t = await tasks().catch(() => undefined);
      const views = await Promise.all(alive().map(async (s) => {
        const r = await httpJson<{ leader?: string; message?: string }>(`${s.url}/v2/leader`, { timeoutMs: 2000 }).catch(() => undefined);
        const m = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(2000) }).then((x) => x.text()).catch(() => '');
        return `serve ${s.index} (${s.hostPort}): /v2/leader ${r === undefined ? 'no answer' : `${r.status} ${r.body.leader ?? r.body.message ?? ''}`}, marathon_leader ${/^marathon_leader (\d)/m.exec(m)?.[1] ?? '?'}`;
      }));
      what = `${what}\n${views.join('\n')}`;
      throw new Error(`${what}\nmaster: ${t === undefined ? 'no answer' : `${t.active.length} active (${t.running} running), ${t.completed} completed, ${t.frameworks} frameworks`}; `
        + `"killing unknown task" lines: ${unknownKillLines().length}\n${logTails()}`);
    }

    /** A write through `via` retried (bounded) until it answers 200: quorum may just be coming back. */
    async function scale(via: () => Promise<ServeProcess>, instances: number): Promise<void> {
      let last = '';
      await waitFor(`PUT instances=${instances} to answer 200`, async () => {
        const s = await via();
        const r = await httpJson(`${s.url}/v2/apps${APP}?force=true`, { method: 'PUT', body: { instances }, timeoutMs: v.zkTimeoutMs + 3000 });
        last = `${s.index}: ${r.status} ${r.text.slice(0, 200)}`;
        return r.status === 200 ? true : undefined;
      }, 30_000, 200).catch(() => fail(`scale to ${instances} not accepted; last answer ${last}`));
    }

    /** Exactly `n` running tasks (none staging or killing) in the master and no deployment on the leader. */
    async function converged(n: number): Promise<ServeProcess> {
      let leader: ServeProcess | undefined;
      await waitFor(`${n} running tasks and no deployment`, async () => {
        const t = await tasks();
        if (t.active.length !== n || t.running !== n) return undefined;
        leader = await waitLeader('a leader', 5000);
        const d = await httpJson<unknown[]>(`${leader.url}/v2/deployments`, { timeoutMs: 3000 });
        return d.status === 200 && d.body.length === 0 ? true : undefined;
      }, CONVERGE_MS, 250).catch(() => fail(`not converged to ${n} within ${CONVERGE_MS} ms`));
      return leader as ServeProcess;
    }

    it('converges to 100 running tasks, no deployment left, three serves agree, unknown-task kills stop', async () => {
      const started = Date.now();
      const stamp = (what: string): void => { process.stdout.write(`      ${((Date.now() - started) / 1000).toFixed(1)} s  ${what}\n`); };
      const leader = await waitLeader('a first leader');
      const created = await httpJson(`${leader.url}/v2/apps`, { method: 'POST', body: { id: APP, cmd: 'sleep 1000', cpus: 0.01, mem: 1, instances: 1 } });
      assert.equal(created.status, 201, created.text);
      await converged(1);
      stamp('1 running');

      // Scale to 200 through a follower; kill -9 the leader 30 ms after the answer.
      const follower = alive().find((s) => s.index !== leader.index) as ServeProcess;
      const up = await httpJson(`${follower.url}/v2/apps${APP}?force=true`, { method: 'PUT', body: { instances: 200 } });
      assert.equal(up.status, 200, up.text);
      await new Promise((r) => setTimeout(r, 30));
      await kill9(leader);
      stamp(`leader serve ${leader.index} killed`);
      let current = await converged(200);
      stamp(`200 running, leader serve ${current.index}`);
      await startServe(leader.index);

      // Stop the ZooKeeper leader, scale to 150; then a second member (quorum lost); restart both.
      const zkc = zk as ZooKeeperCluster;
      const modes = await Promise.all(zkc.members.map((_, i) => zkc.srvr(i)));
      const zkLeader = modes.findIndex((m) => /^Mode: leader/m.test(m));
      assert.ok(zkLeader >= 0, `a ZooKeeper leader: ${modes.map((m) => /^Mode: .*/m.exec(m)?.[0] ?? '?').join(', ')}`);
      await zkc.kill(zkLeader, 'SIGTERM');
      stamp(`ZooKeeper leader (member ${zkLeader + 1}) stopped`);
      await scale(async () => current = await waitLeader('a leader after the ZooKeeper leader stopped', 30_000), 150);
      stamp('scale to 150 accepted');
      const second = zkc.members.findIndex((m, i) => i !== zkLeader && m.process !== undefined);
      await zkc.kill(second, 'SIGTERM');
      stamp(`second ZooKeeper member ${second + 1} stopped: quorum lost`);
      if (v.waitLeaderless) {
        // Sessions expire without a quorum: every serve stops leading.
        await waitFor('no serve leading', async () => {
          for (const s of alive()) {
            const m = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(2000) }).then((x) => x.text()).catch(() => '');
            if (/^marathon_leader 1$/m.test(m)) return undefined;
          }
          return true;
        }, 30_000, 100).catch(() => fail('a serve still leads 30 s after the quorum was lost'));
        stamp('no leader');
      }
      await Promise.all([zkc.restart(zkLeader), zkc.restart(second)]);
      stamp('ZooKeeper members restarted');
      await scale(async () => current = await waitLeader('a leader after the quorum came back', 60_000), 100);
      stamp(`scale to 100 accepted by serve ${current.index}`);

      const leaderAtEnd = await converged(100);
      stamp(`100 running, leader serve ${leaderAtEnd.index}`);

      // The three serves agree (followers forward to the leader, and each knows the same leader).
      const views = await Promise.all(alive().map(async (s) => {
        const apps = await httpJson<{ apps: AppView[] }>(`${s.url}/v2/apps`);
        const named = await httpJson<{ leader: string }>(`${s.url}/v2/leader`);
        const app = apps.body.apps.find((a) => a.id === APP);
        return { index: s.index, leader: named.body.leader, app: app === undefined ? undefined : { instances: app.instances, tasksRunning: app.tasksRunning, tasksStaged: app.tasksStaged, deployments: app.deployments.length } };
      }));
      assert.equal(views.length, 3, 'three serves alive');
      for (const v of views) {
        assert.deepEqual({ leader: v.leader, app: v.app }, { leader: leaderAtEnd.hostPort, app: { instances: 100, tasksRunning: 100, tasksStaged: 0, deployments: 0 } }, `serve ${v.index}`);
      }
      const appTasks = await httpJson<{ tasks: Array<{ id: string }> }>(`${leaderAtEnd.url}/v2/apps${APP}/tasks`);
      const master = await tasks();
      assert.deepEqual(appTasks.body.tasks.map((t) => t.id).sort(), master.active.map((t) => t.id).sort(), 'the API lists exactly the master\'s tasks');
      assert.equal(master.frameworks, 1, 'one framework');

      // Kills stop: over 5 s after convergence no task ends and no unknown task is killed.
      const killLines = unknownKillLines();
      const distinct = new Set(killLines.map((l) => /"taskId":"([^"]+)"/.exec(l)?.[1] ?? l)).size;
      const completedBefore = master.completed;
      const quietFrom = Date.now();
      while (Date.now() - quietFrom < 5000) {
        const t = await tasks();
        if (t.completed !== completedBefore || unknownKillLines().length !== killLines.length || t.active.length !== 100) {
          await fail(`still killing after convergence: completed ${completedBefore} → ${t.completed}, unknown-task kill lines ${killLines.length} → ${unknownKillLines().length}, active ${t.active.length}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      stamp(`quiet for 5 s: ${completedBefore} tasks ended in all, ${killLines.length} "killing unknown task" lines for ${distinct} tasks`);
      // Each unknown task is killed at once, then after growing pauses (1 s, 2 s, 4 s …): a handful of
      // kills per task over the run, not one per status update.
      assert.ok(killLines.length <= Math.max(10, distinct * 8), `unknown-task kills bounded: ${killLines.length} lines for ${distinct} tasks`);
      assert.ok(completedBefore <= 400, `tasks ended in all: ${completedBefore} (200 → 150 → 100 ends 100, plus any relaunch)`);
    });
  });
}

repro2({ title: 'short sessions (2 s), quorum back once no serve leads', sessionMs: 2000, zkTimeoutMs: 4000, waitLeaderless: true });
repro2({ title: 'serve\'s default ZooKeeper timeouts (10 s), quorum back at once', sessionMs: 10_000, zkTimeoutMs: 10_000, waitLeaderless: false });
