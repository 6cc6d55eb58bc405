// The exec agent runs real processes: exit codes and signals become Mesos task states and
// messages, kills go SIGTERM → SIGKILL to the process group, and the container hooks run
// around the process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TaskInfo } from '../../src/mesos/types';
import type { ContainerContext } from '../../src/sim/mesos/agent';
import { ExecAgent } from '../../src/sim/mesos/exec-agent';
import { LocalMaster } from '../../src/sim/mesos/master';
import { sleep, subscribe, waitFor, type EventStream } from './local-master-harness';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local master: exec agent', function () {
  const runId = Math.random().toString(16).slice(2, 8);
  let workDir = '';
  let master: LocalMaster;
  let port = 0;
  let s: EventStream;
  let agentId = '';
  const started: ContainerContext[] = [];
  const stopped: string[] = [];
  const pids: number[] = [];

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), `mvn-exec-${runId}-`));
    master = new LocalMaster({ allocationIntervalMs: 50, heartbeatIntervalSeconds: 5 });
    agentId = master.addAgent(new ExecAgent({
      resources: { cpus: 4, mem: 4096, disk: 1024 },
      workDir,
      hooks: {
        beforeStart: async (ctx) => {
          started.push(ctx);
          if (ctx.task.task_id.value.startsWith('hook-fail')) throw new Error('plugin said no');
          if (ctx.task.task_id.value.startsWith('netted')) {
            return {
              networkInfos: [{ name: 'nw-test', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.9.8.7' }] }],
              env: { VNET_MARK: `mark-${runId}` },
            };
          }
          return undefined;
        },
        afterStop: async (ctx) => { stopped.push(ctx.task.task_id.value); },
      },
    }));
    ({ port } = await master.listen(0, '127.0.0.1'));
    s = await subscribe(port, 'exec-test');
  });

  after(async () => {
    s?.close();
    await master?.close();
    for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is gone after close()`);
    fs.rmSync(workDir, { recursive: true, force: true });
    assert.equal(fs.existsSync(workDir), false);
  });

  async function launch(task: Partial<TaskInfo> & { id: string }): Promise<void> {
    const from = s.events.length;
    const offer = await s.until((evs) => evs.flatMap((e) => (e.type === 'OFFERS' ? e.offers?.offers ?? [] : []))
      .find((o) => master.state().offers.some((x) => x.id === o.id.value)), 'a live offer');
    void from;
    const { id, ...rest } = task;
    const info: TaskInfo = {
      name: id, task_id: { value: id }, agent_id: { value: agentId },
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 16 } }],
      ...rest,
    };
    const reply = await s.send(port, { type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [info] } }], filters: { refuse_seconds: 0 } } });
    assert.equal(reply.status, 202);
  }

  async function ackAll(taskId: string): Promise<void> {
    for (const u of s.updatesFor(taskId)) if (u.uuid) await s.ack(port, u);
  }

  it("runs sh -c 'exit 3' and reports TASK_FAILED \"Command exited with status 3\"", async () => {
    await launch({ id: 'exit3', command: { shell: true, value: 'exit 3' } });
    const starting = await s.update('exit3', 'TASK_STARTING');
    await s.ack(port, starting);
    await s.ack(port, await s.update('exit3', 'TASK_RUNNING'));
    const failed = await s.update('exit3', 'TASK_FAILED');
    assert.equal(failed.message, 'Command exited with status 3');
    assert.equal(failed.source, 'SOURCE_EXECUTOR');
    assert.equal(typeof failed.container_status?.executor_pid, 'number');
    assert.deepEqual(failed.container_status?.network_infos, [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '127.0.0.1' }] }]);
    await s.ack(port, failed);
    await waitFor(() => stopped.includes('exit3'), 'afterStop');
  });

  it('runs argv without a shell and reports TASK_FINISHED for exit 0', async () => {
    await launch({ id: 'argv', command: { shell: false, value: '/bin/sh', arguments: ['sh', '-c', 'test "$MESOS_TASK_ID" = argv'] } });
    await s.ack(port, await s.update('argv', 'TASK_STARTING'));
    await s.ack(port, await s.update('argv', 'TASK_RUNNING'));
    const done = await s.update('argv', 'TASK_FINISHED');
    assert.equal(done.message, 'Command exited with status 0');
    await s.ack(port, done);
  });

  it('kills with SIGTERM: TASK_KILLING then TASK_KILLED "Command terminated with signal Terminated", process gone', async () => {
    await launch({ id: 'sleeper', command: { value: 'sleep 30' } });
    await s.ack(port, await s.update('sleeper', 'TASK_STARTING'));
    const running = await s.update('sleeper', 'TASK_RUNNING');
    await s.ack(port, running);
    const pid = running.container_status?.executor_pid;
    assert.ok(pid !== undefined && alive(pid));
    pids.push(pid);
    await s.send(port, { type: 'KILL', kill: { task_id: { value: 'sleeper' } } });
    await s.ack(port, await s.update('sleeper', 'TASK_KILLING'));
    const killed = await s.update('sleeper', 'TASK_KILLED');
    assert.equal(killed.message, 'Command terminated with signal Terminated');
    await s.ack(port, killed);
    await waitFor(() => !alive(pid), 'the process to be gone');
  });

  it('escalates to SIGKILL after the kill policy grace period when SIGTERM is ignored', async () => {
    const trapped = path.join(workDir, `trapped-${runId}`);
    await launch({ id: 'stubborn', command: { value: `trap '' TERM; : > ${trapped}; sleep 30` }, kill_policy: { grace_period: { nanoseconds: 200_000_000 } } });
    await s.ack(port, await s.update('stubborn', 'TASK_STARTING'));
    const running = await s.update('stubborn', 'TASK_RUNNING');
    await s.ack(port, running);
    const pid = running.container_status?.executor_pid;
    assert.ok(pid !== undefined);
    pids.push(pid);
    // The shell must have installed its trap before the KILL (a fixed pause loses that race under load).
    for (let i = 0; i < 400 && !fs.existsSync(trapped); i++) await sleep(25);
    assert.ok(fs.existsSync(trapped), 'the task shell installed its TERM trap');
    await s.send(port, { type: 'KILL', kill: { task_id: { value: 'stubborn' } } });
    await s.ack(port, await s.update('stubborn', 'TASK_KILLING'));
    const killed = await s.update('stubborn', 'TASK_KILLED');
    assert.equal(killed.message, 'Command terminated with signal Killed');
    await ackAll('stubborn');
  });

  it('reports the network result of beforeStart and passes its environment to the command', async () => {
    const marker = path.join(workDir, `env-${runId}`);
    await launch({ id: 'netted', command: { value: `printf %s "$VNET_MARK" > ${marker}` } });
    const starting = await s.update('netted', 'TASK_STARTING');
    assert.deepEqual(starting.container_status?.network_infos, [{ name: 'nw-test', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.9.8.7' }] }]);
    await s.ack(port, starting);
    await s.ack(port, await s.update('netted', 'TASK_RUNNING'));
    await s.ack(port, await s.update('netted', 'TASK_FINISHED'));
    assert.equal(fs.readFileSync(marker, 'utf8'), `mark-${runId}`);
    const ctx = started.find((c) => c.task.task_id.value === 'netted');
    assert.ok(ctx?.sandbox?.startsWith(workDir));
  });

  it('fails the launch with REASON_CONTAINER_LAUNCH_FAILED when beforeStart throws, and still runs afterStop', async () => {
    await launch({ id: 'hook-fail', command: { value: 'true' } });
    const failed = await s.update('hook-fail', 'TASK_FAILED');
    assert.equal(failed.reason, 'REASON_CONTAINER_LAUNCH_FAILED');
    assert.equal(failed.source, 'SOURCE_AGENT');
    assert.equal(failed.message, 'Failed to launch container: plugin said no');
    assert.equal(s.updatesFor('hook-fail').some((u) => u.state === 'TASK_STARTING'), false);
    await s.ack(port, failed);
    await waitFor(() => stopped.includes('hook-fail'), 'afterStop after a failed launch');
  });

  it('fails a task that asks for a named network when no network hook handles it', async () => {
    await launch({ id: 'unknown-net', command: { value: 'true' }, container: { type: 'MESOS', network_infos: [{ name: 'nw-none' }] } });
    const failed = await s.update('unknown-net', 'TASK_FAILED');
    assert.equal(failed.message, "Failed to launch container: Unknown CNI network 'nw-none'");
    await s.ack(port, failed);
  });

  it('runs a COMMAND health check in the sandbox: healthy once the file exists (TASK_RUNNING, healthy, REASON_TASK_HEALTH_CHECK_STATUS_UPDATED)', async () => {
    await launch({
      id: 'checked', command: { value: 'sleep 0.3; touch ready; sleep 30' },
      health_check: { type: 'COMMAND', command: { value: 'test -f ready' }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 2, grace_period_seconds: 10, consecutive_failures: 3 },
    });
    await s.ack(port, await s.update('checked', 'TASK_STARTING'));
    await s.ack(port, await s.update('checked', 'TASK_RUNNING'));
    const healthy = await s.until(() => s.updatesFor('checked').find((u) => u.healthy === true), 'a healthy update');
    assert.equal(healthy.state, 'TASK_RUNNING');
    assert.equal(healthy.reason, 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED');
    assert.equal(s.updatesFor('checked').some((u) => u.healthy === false), false, 'failures inside the grace period are not reported');
    await ackAll('checked');
  });

  it('kills a task whose TCP check keeps failing: unhealthy updates, then TASK_KILLED with healthy=false', async () => {
    await launch({
      id: 'sick', command: { value: 'sleep 30' },
      health_check: { type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 0.2, timeout_seconds: 1, grace_period_seconds: 0, consecutive_failures: 2 },
    });
    // Updates of one task are delivered one at a time, each after the previous one's ack.
    const acked = new Set<string>();
    for (let i = 0; i < 200 && !s.updatesFor('sick').some((u) => u.state === 'TASK_KILLED'); i++) {
      for (const u of s.updatesFor('sick')) if (u.uuid !== undefined && !acked.has(u.uuid)) { acked.add(u.uuid); await s.ack(port, u); }
      await sleep(50);
    }
    const killed = await s.update('sick', 'TASK_KILLED');
    assert.equal(killed.healthy, false);
    assert.deepEqual(s.updatesFor('sick').filter((u) => u.healthy === false && u.state === 'TASK_RUNNING').length, 2);
    await ackAll('sick');
  });

  it('serves /version, JSONP /master/state and /files/browse, /files/read over the sandboxes only', async () => {
    await launch({ id: 'talker', command: { value: 'echo hello-sandbox; sleep 30' } });
    await s.ack(port, await s.update('talker', 'TASK_STARTING'));
    await s.ack(port, await s.update('talker', 'TASK_RUNNING'));
    const get = async (p: string): Promise<{ status: number; type: string | null; text: string }> => {
      const r = await fetch(`http://127.0.0.1:${port}${p}`);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    };
    const version = JSON.parse((await get('/version')).text) as { version: string };
    assert.equal(version.version, '1.11.0');
    const padded = await get('/master/state.json?jsonp=cb');
    assert.equal(padded.type, 'text/javascript');
    assert.match(padded.text, /^cb\(\{.*\}\);$/s);
    const ctx = started.find((c) => c.task.task_id.value === 'talker');
    const sandbox = ctx?.sandbox as string;
    const listing = JSON.parse((await get(`/files/browse?path=${encodeURIComponent(sandbox)}`)).text) as Array<{ path: string; size: number; mode: string }>;
    assert.deepEqual(listing.map((e) => path.basename(e.path)).sort(), ['stderr', 'stdout']);
    assert.ok(listing.every((e) => e.mode.startsWith('-')));
    const stdout = path.join(sandbox, 'stdout');
    await waitFor(() => fs.readFileSync(stdout, 'utf8').includes('hello-sandbox'), 'stdout written');
    const read = JSON.parse((await get(`/files/read?path=${encodeURIComponent(stdout)}&offset=0&length=5`)).text) as { data: string; offset: number };
    assert.deepEqual(read, { data: 'hello', offset: 0 });
    const size = JSON.parse((await get(`/files/read?path=${encodeURIComponent(stdout)}&offset=-1`)).text) as { data: string; offset: number };
    assert.deepEqual(size, { data: '', offset: fs.statSync(stdout).size });
    assert.equal((await get('/files/read?path=%2Fetc%2Fpasswd')).status, 404, 'outside the sandboxes');
    assert.equal((await get(`/files/read?path=${encodeURIComponent(path.join(sandbox, '..', '..', '..'))}`)).status, 404);
    assert.equal((await get('/files/read')).status, 400);
  });

  it('close() stops running processes', async () => {
    await launch({ id: 'left-running', command: { value: 'sleep 30' } });
    await s.ack(port, await s.update('left-running', 'TASK_STARTING'));
    const running = await s.update('left-running', 'TASK_RUNNING');
    const pid = running.container_status?.executor_pid;
    assert.ok(pid !== undefined && alive(pid));
    pids.push(pid); // checked in after(), once the master is closed
  });
});
