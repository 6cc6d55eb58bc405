// Master detection through a real standalone ZooKeeper (test-infra.md §3.1): Mesos-style
// `json.info_<seq>` nodes decide the leader, the detector follows deletions, and a
// SchedulerClient given `zk://…` moves its subscription to the new leader.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { SchedulerClient } from '../../src/mesos/client';
import { encodeEvent } from '../../src/mesos/codec';
import { createMasterDetector, type MasterDetector } from '../../src/mesos/detector';
import { encodeRecord } from '../../src/mesos/recordio';
import { FakeMaster, nextEvent } from '../contract/mesos-fake-master';
import { describeNeeding } from '../helpers/requires';
import { freePort } from '../helpers/ports';

const JARS = ['/usr/share/java/slf4j-simple.jar', '/usr/share/java/zookeeper.jar'];


function srvr(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.setTimeout(1000, () => sock.destroy());
    sock.on('connect', () => sock.write('srvr'));
    sock.on('data', (d) => (out += d.toString()));
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(''));
  });
}

function zkCall<T>(fn: (cb: (err: Error | zookeeper.Exception | null, value: T) => void) => void, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('zookeeper call timed out')), ms);
    fn((err, value) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    });
  });
}

function nextLeader(d: MasterDetector, ms = 10_000): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no leader event')), ms);
    const onLeader = (url: string): void => { clearTimeout(timer); d.off('no-leader', onNone); resolve(url); };
    const onNone = (): void => { clearTimeout(timer); d.off('leader', onLeader); resolve(undefined); };
    d.once('leader', onLeader);
    d.once('no-leader', onNone);
  });
}

function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

describeNeeding(['zookeeper'], 'mesos master detection with a real ZooKeeper', function () {
  this.timeout(30_000);
  const runId = crypto.randomBytes(3).toString('hex');
  const zkPath = `/mesos-${runId}`;
  let dir = '';
  let port = 0;
  let zk: ChildProcess | undefined;
  let writer: zookeeper.Client | undefined;
  const cleanups: Array<() => Promise<void>> = [];

  before(async function () {
    for (const jar of JARS) assert.ok(fs.existsSync(jar), `${jar} missing (Debian package zookeeper, installed by npm test)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `zk-mesos-${runId}-`));
    fs.mkdirSync(path.join(dir, 'data'));
    port = await freePort();
    fs.writeFileSync(path.join(dir, 'zoo.cfg'), [
      'tickTime=500', 'minSessionTimeout=1000', 'initLimit=10', 'syncLimit=5',
      `dataDir=${path.join(dir, 'data')}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
      'admin.enableServer=false', '4lw.commands.whitelist=srvr,stat,mntr,conf,ruok', '',
    ].join('\n'));
    const log = fs.openSync(path.join(dir, 'zk.log'), 'w');
    zk = spawn('java', [
      '-Xmx256m', '-cp', JARS.join(':'), '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      'org.apache.zookeeper.server.quorum.QuorumPeerMain', path.join(dir, 'zoo.cfg'),
    ], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const start = Date.now();
    while (!/^Mode:/m.test(await srvr(port))) {
      if (Date.now() - start > 20_000) throw new Error(`ZooKeeper did not start: ${fs.readFileSync(path.join(dir, 'zk.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    writer = zookeeper.createClient(`127.0.0.1:${port}`, { sessionTimeout: 4000 });
    const connected = new Promise<void>((r) => writer?.once('connected', () => r()));
    writer.connect();
    await connected;
    await zkCall<string>((cb) => writer?.mkdirp(zkPath, cb));
  });

  after(async function () {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    writer?.close();
    if (zk?.pid !== undefined && zk.exitCode === null) {
      const exited = new Promise<void>((r) => zk?.once('exit', () => r()));
      zk.kill('SIGTERM');
      const timer = setTimeout(() => zk?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(processesMentioning(`zk-mesos-${runId}`), [], 'no process of this run is left');
    assert.equal(fs.existsSync(dir), false);
  });

  async function registerMaster(ip: string, masterPort: number): Promise<string> {
    const info = { address: { hostname: ip, ip, port: masterPort }, hostname: ip, id: crypto.randomUUID(), port: masterPort, version: '1.11.0' };
    return zkCall<string>((cb) => writer?.create(`${zkPath}/json.info_`, Buffer.from(JSON.stringify(info)), zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, cb));
  }

  it('names the lowest json.info_ node the leader and re-detects when it is deleted', async function () {
    const a = await registerMaster('127.0.0.1', 15050);
    const b = await registerMaster('127.0.0.2', 15051);
    assert.ok(a < b);
    await zkCall<string>((cb) => writer?.create(`${zkPath}/log_replicas`, cb));
    const detector = createMasterDetector(`zk://127.0.0.1:${port}${zkPath}`, { zkOperationTimeoutMs: 3000 });
    cleanups.push(() => detector.stop());
    const first = nextLeader(detector);
    detector.start();
    assert.equal(await first, 'http://127.0.0.1:15050');

    const second = nextLeader(detector);
    await zkCall<void>((cb) => writer?.remove(a, (err) => cb(err, undefined)));
    assert.equal(await second, 'http://127.0.0.2:15051');

    const none = nextLeader(detector);
    await zkCall<void>((cb) => writer?.remove(b, (err) => cb(err, undefined)));
    assert.equal(await none, undefined);
    await zkCall<void>((cb) => writer?.remove(`${zkPath}/log_replicas`, (err) => cb(err, undefined)));
  });

  it('moves a SchedulerClient subscription to the new leader, keeping the framework id', async function () {
    const masters = [new FakeMaster(), new FakeMaster()];
    let n = 0;
    for (const m of masters) {
      m.onSubscribe = (req, res) => {
        const id = req.call?.framework_id?.value ?? 'fw-zk';
        const subscribed = { type: 'SUBSCRIBED' as const, subscribed: { framework_id: { value: id }, heartbeat_interval_seconds: 15 } };
        m.startStream(res, `s-${runId}-${++n}`, 'protobuf', [encodeRecord(encodeEvent(subscribed, 'protobuf'))]);
      };
      await m.listen();
      cleanups.push(() => m.close());
    }
    const nodeA = await registerMaster('127.0.0.1', masters[0]?.port as number);
    await registerMaster('127.0.0.1', masters[1]?.port as number);
    const client = new SchedulerClient({
      master: `zk://127.0.0.1:${port}${zkPath}`,
      encoding: 'protobuf',
      frameworkInfo: { user: 'root', name: `zk-${runId}` },
      backoff: { initialMs: 20, maxMs: 200 },
    });
    cleanups.push(() => client.stop());
    const first = nextEvent(client, 'subscribed', undefined, 10_000);
    client.start();
    const [info1] = await first;
    assert.equal(info1.master, `http://127.0.0.1:${masters[0]?.port}`);

    const moved = nextEvent(client, 'subscribed', undefined, 10_000);
    const lost = nextEvent(client, 'disconnected', undefined, 10_000);
    await zkCall<void>((cb) => writer?.remove(nodeA, (err) => cb(err, undefined)));
    const [d] = await lost;
    assert.equal(d.reason, 'leader-changed');
    const [info2] = await moved;
    assert.equal(info2.master, `http://127.0.0.1:${masters[1]?.port}`);
    assert.equal(info2.frameworkId, 'fw-zk');
    assert.deepEqual(masters[1]?.calls('SUBSCRIBE')[0]?.call?.framework_id, { value: 'fw-zk' });
  });
});
