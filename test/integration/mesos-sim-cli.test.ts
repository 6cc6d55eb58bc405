// The real `marathon-vnet mesos-sim` process, probed the way the README tells a user to: curl's
// SUBSCRIBE prints RecordIO records (SUBSCRIBED, OFFERS for every agent, HEARTBEATs) in JSON, and
// in protobuf that decodes with the .proto files in proto/. Then the real `marathon-vnet serve`
// process against it: the agent link is the last NetworkInfo of a task with networkInterfaces
// (named by --agent-link, absent with --no-agent-link) and never shows in the API.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { NetworkInfo } from '../../src/mesos/types';
import { CURL_SUBSCRIBE, curlSubscribe } from './local-master-harness';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(REPO, 'src', 'bin', 'marathon-vnet.js');

/** A `marathon-vnet` child process, stopped by its pid. */
class Cli {
  out = '';
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => { this.out += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.out += d.toString(); });
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `marathon-vnet <args>` and waits until its output matches `ready`. */
  static async start(args: string[], ready: RegExp): Promise<{ cli: Cli; match: RegExpExecArray }> {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    const cli = new Cli(child);
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${cli.out}`)), 20_000);
      const check = (): void => {
        const m = ready.exec(cli.out);
        if (m !== null) { clearTimeout(timer); resolve(m); }
      };
      child.stdout?.on('data', check);
      void cli.exit.then(({ code }) => { clearTimeout(timer); reject(new Error(`${args[0]} exited ${code}: ${cli.out}`)); });
    });
    return { cli, match };
  }

  /** SIGTERM, then SIGKILL if it does not go within 5 s; resolves with how it ended. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      const ended = await this.exit;
      clearTimeout(t);
      return ended;
    }
    return this.exit;
  }
}

/** Splits a RecordIO body by hand (decimal byte count, newline, that many bytes). */
function splitRecords(raw: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const nl = raw.indexOf(10, at);
    if (nl < 0) break;
    const header = raw.subarray(at, nl).toString('latin1');
    assert.match(header, /^[1-9]\d*$/, `record header at byte ${at}`);
    const len = Number(header);
    if (nl + 1 + len > raw.length) break; // the record curl was cut in
    records.push(raw.subarray(nl + 1, nl + 1 + len));
    at = nl + 1 + len;
  }
  return records;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return (await res.json()) as T;
}

function curlStatus(port: number): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-si', '-H', 'Content-Type: application/json', '-d', CURL_SUBSCRIBE, `127.0.0.1:${port}/api/v1/scheduler`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', () => {
      const [head = '', body = ''] = out.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const location = /^location: (.*)$/im.exec(head)?.[1];
      resolve({ status, location, body });
    });
  });
}

interface StateTask {
  id: string; state: string;
  container?: { type?: string; network_infos?: NetworkInfo[] };
  statuses: Array<{ state: string; container_status?: { network_infos?: NetworkInfo[] } }>;
}
interface MasterState {
  slaves: Array<{ id: string }>;
  frameworks: Array<{ id: string; name: string; tasks: StateTask[] }>;
}

describe('marathon-vnet mesos-sim (the command, probed with curl)', function () {
  this.timeout(60_000);
  let sim: Cli;
  let port = 0;
  let base = '';

  before(async () => {
    const { cli, match } = await Cli.start(['mesos-sim', '--listen', '127.0.0.1:0', '--agents', '3', '--cpus', '2', '--heartbeat', '0.2'],
      /listening on (http:\/\/127\.0\.0\.1:(\d+))\/api\/v1\/scheduler with 3 simulated agent\(s\) of 2 cpus/);
    sim = cli;
    base = match[1] as string;
    port = Number(match[2]);
  });

  after(async () => {
    const ended = await sim?.stop();
    assert.deepEqual(ended, { code: 0, signal: null }, `mesos-sim shuts down cleanly on SIGTERM: ${sim?.out}`);
    assert.match(sim.out, /mesos-sim: SIGTERM, shutting down/);
  });

  it('prints RecordIO records: SUBSCRIBED, then OFFERS covering the 3 agents, then HEARTBEATs (JSON)', async () => {
    const { events, raw } = await curlSubscribe(port, undefined, 'json');
    // The same bytes parsed without our decoder: exact byte counts, one JSON text per record.
    const parsed = splitRecords(raw).map((r) => JSON.parse(r.toString('utf8')) as { type: string });
    assert.deepEqual(parsed.map((e) => e.type), events.map((e) => e.type));
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'SUBSCRIBED');
    const offersAt = types.indexOf('OFFERS');
    assert.ok(offersAt > 0, types.join(','));
    assert.ok(types.slice(1, offersAt).every((t) => t === 'HEARTBEAT'), `only HEARTBEATs before the OFFERS: ${types.join(',')}`);
    assert.ok(types.slice(offersAt + 1).filter((t) => t === 'HEARTBEAT').length >= 2, types.join(','));
    assert.equal(events[0]?.subscribed?.heartbeat_interval_seconds, 0.2);
    const offered = (events[offersAt]?.offers?.offers ?? []).map((o) => o.agent_id.value);
    const state = await getJson<MasterState>(`${base}/master/state`);
    assert.equal(state.slaves.length, 3);
    assert.deepEqual([...new Set(offered)].sort(), state.slaves.map((s) => s.id).sort(), 'one OFFERS event covers every agent');
  });

  it('streams protobuf for Accept: application/x-protobuf, decodable with proto/ alone', async () => {
    const { raw } = await curlSubscribe(port, 'application/x-protobuf', 'protobuf');
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => path.join(REPO, 'proto', target);
    root.loadSync('mesos/v1/scheduler/scheduler.proto', { keepCase: true });
    const Event = root.lookupType('mesos.v1.scheduler.Event');
    const events = splitRecords(raw).map((r) => Event.toObject(Event.decode(r), { enums: String, defaults: false }) as {
      type: string; subscribed?: { framework_id: { value: string } }; offers?: { offers: Array<{ agent_id: { value: string } }> };
    });
    assert.ok(raw.subarray(0, 200).indexOf(Buffer.from('"type"')) < 0, 'not JSON');
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'SUBSCRIBED');
    assert.match(events[0]?.subscribed?.framework_id.value ?? '', /-\d{4}$/);
    const offers = events.find((e) => e.type === 'OFFERS');
    assert.equal(new Set(offers?.offers?.offers.map((o) => o.agent_id.value)).size, 3);
    assert.ok(types.slice(types.indexOf('OFFERS') + 1).filter((t) => t === 'HEARTBEAT').length >= 2, types.join(','));
  });

  it('--leader host:port answers 307 with a protocol-relative Location; --leader none answers 503', async () => {
    const follower = await Cli.start(['mesos-sim', '--listen', '127.0.0.1:0', '--agents', '0', '--leader', `127.0.0.1:${port}`], /listening on http:\/\/127\.0\.0\.1:(\d+)\/api\/v1\/scheduler .*redirecting to leader/);
    const leaderless = await Cli.start(['mesos-sim', '--listen', '127.0.0.1:0', '--agents', '0', '--leader', 'none'], /listening on http:\/\/127\.0\.0\.1:(\d+)\/api\/v1\/scheduler .*no leader/);
    try {
      const redirected = await curlStatus(Number(follower.match[1]));
      assert.equal(redirected.status, 307);
      assert.equal(redirected.location?.trim(), `//127.0.0.1:${port}/api/v1/scheduler`);
      const unavailable = await curlStatus(Number(leaderless.match[1]));
      assert.equal(unavailable.status, 503);
      assert.match(unavailable.body, /No leader elected/);
    } finally {
      await follower.cli.stop();
      await leaderless.cli.stop();
    }
  });

  it('refuses a bad flag with the flag named and a non-zero exit', async () => {
    const child = spawn(process.execPath, [BIN, 'mesos-sim', '--listen', '127.0.0.1:0', '--agents', 'three'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(err, /--agents three/);
  });
});

describe('marathon-vnet serve against marathon-vnet mesos-sim (processes): the agent link', function () {
  this.timeout(90_000);
  const runId = randomBytes(3).toString('hex');
  let sim: Cli;
  let simBase = '';
  const vnettest = fs.readFileSync(path.join(REPO, 'samples', 'apps', 'vnettest.json'), 'utf8');

  before(async () => {
    const { cli, match } = await Cli.start(['mesos-sim', '--listen', '127.0.0.1:0', '--agents', '1', '--heartbeat', '1', '--task-delay', '10'],
      /listening on (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/scheduler/);
    sim = cli;
    simBase = match[1] as string;
  });

  after(async () => {
    const ended = await sim?.stop();
    assert.equal(ended?.code, 0, sim?.out);
  });

  const variants: Array<{ flags: string[]; link: string | undefined }> = [
    { flags: [], link: 'vnet-agent-link' },
    { flags: ['--agent-link', `al-${runId}`], link: `al-${runId}` },
    { flags: ['--no-agent-link'], link: undefined },
  ];
  for (const { flags, link } of variants) {
    it(`serve ${flags.join(' ') || '(defaults)'}: ${link === undefined ? 'no agent link' : `${link} last`}; the API shows only the user's interfaces`, async () => {
      const name = `mvn-${runId}-${link === undefined ? 'nolink' : flags.length === 0 ? 'default' : 'named'}`;
      const { cli: serve, match } = await Cli.start(['serve', '--master', simBase, '--http-port', '0', '--listen', '127.0.0.1', '--state', 'memory:',
        '--no-ui', '--log-level', 'warn', '--framework-name', name, '--failover-timeout', '0', ...flags], /listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const api = match[1] as string;
      try {
        for (const body of [vnettest, JSON.stringify({ id: '/plain', cmd: 'sleep 600', cpus: 0.1, mem: 16 })]) {
          const post = await fetch(`${api}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
          assert.equal(post.status, 201, await post.text());
        }
        // Wait for both tasks to run, as the master sees it.
        let task: StateTask | undefined;
        let plain: StateTask | undefined;
        const deadline = Date.now() + 20_000;
        for (;;) {
          const state = await getJson<MasterState>(`${simBase}/master/state`);
          const running = state.frameworks.find((f) => f.name === name)?.tasks.filter((t) => t.state === 'TASK_RUNNING') ?? [];
          task = running.find((t) => t.id.startsWith('vnettest.'));
          plain = running.find((t) => t.id.startsWith('plain.'));
          if (task !== undefined && plain !== undefined) break;
          if (Date.now() > deadline) throw new Error(`no running tasks of ${name}: ${JSON.stringify(state.frameworks)}\n${serve.out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.deepEqual(plain.container?.network_infos ?? [], [], 'an app without networkInterfaces gets no agent link');
        assert.match(task.id, /^vnettest\.instance-[0-9a-f-]{36}\._app\.1$/);
        assert.equal(task.container?.type, 'MESOS');
        const launched = (task.container?.network_infos ?? []).map((n) => n.name);
        assert.deepEqual(launched, link === undefined ? ['nw-vnet1', 'nw-vnet3'] : ['nw-vnet1', 'nw-vnet3', link]);
        // The agent reported the link too, so hiding it is the API's doing.
        const reported = task.statuses.find((s) => s.state === 'TASK_RUNNING')?.container_status?.network_infos?.map((n) => n.name) ?? [];
        assert.deepEqual([...reported].sort(), [...launched].sort());

        const app = await getJson<{ app: { tasks: Array<{ id: string; state: string; networkInterfaces: Array<{ networkName: string; interfaceName: string }>; ipAddresses: Array<{ ipAddress: string }> }> } }>(`${api}/v2/apps/vnettest?embed=app.tasks`);
        const apiTask = app.app.tasks.find((t) => t.id === task?.id);
        assert.ok(apiTask, JSON.stringify(app));
        assert.deepEqual(apiTask.networkInterfaces.map((n) => [n.networkName, n.interfaceName]), [['nw-vnet1', 'eth0'], ['nw-vnet3', 'eth1']]);
        assert.deepEqual(apiTask.ipAddresses.map((a) => a.ipAddress), ['192.168.0.100']);
        for (const route of ['/v2/apps/vnettest', '/v2/tasks', `/v2/apps/vnettest/tasks`]) {
          const text = await (await fetch(`${api}${route}`)).text();
          assert.ok(text.includes(task.id), `${route} lists the task`);
          if (link !== undefined) assert.ok(!text.includes(link), `${route} does not mention ${link}`);
          assert.ok(!text.includes('vnet-agent-link'), `${route} does not mention vnet-agent-link`);
        }
      } finally {
        const ended = await serve.stop();
        assert.equal(ended.code, 0, serve.out);
      }
    });
  }
});
