import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type zookeeper from 'node-zookeeper-client';
import {
  type ZkClient, StaticMasterDetector, ZkMasterDetector, createMasterDetector, masterUrlFromInfo, parseMasterSpec, pickLeaderNode,
} from '../../src/mesos/detector';
import { MesosMasterUrlError, ZkDetectionError } from '../../src/mesos/errors';
import { FakeClock } from './mesos-fake-clock';

describe('mesos master spec parsing', function () {
  const good: Array<[string, ReturnType<typeof parseMasterSpec>]> = [
    ['http://10.0.0.1:5050', { kind: 'static', url: 'http://10.0.0.1:5050' }],
    ['https://master.example.com:5050/', { kind: 'static', url: 'https://master.example.com:5050' }],
    ['127.0.0.1:5050', { kind: 'static', url: 'http://127.0.0.1:5050' }],
    ['mesos-master:5050', { kind: 'static', url: 'http://mesos-master:5050' }],
    ['[::1]:5050', { kind: 'static', url: 'http://[::1]:5050' }],
    ['zk://zk1:2181/mesos', { kind: 'zk', connect: 'zk1:2181', path: '/mesos' }],
    ['zk://zk1:2181,zk2:2181,10.0.0.3:2181/mesos/prod/', { kind: 'zk', connect: 'zk1:2181,zk2:2181,10.0.0.3:2181', path: '/mesos/prod' }],
  ];
  for (const [text, spec] of good) {
    it(`accepts ${text}`, function () {
      assert.deepEqual(parseMasterSpec(text), spec);
    });
  }
  const bad = ['', 'localhost', 'http://host', 'zk://zk1:2181', 'zk:///mesos', 'zk://zk1/mesos', 'ftp://h:1', 'h:99999', 'h:5050/x', 'zk://zk1:2181/me sos'];
  for (const text of bad) {
    it(`rejects "${text}" with MVN_ERR_MESOS_MASTER_URL`, function () {
      assert.throws(() => parseMasterSpec(text), (err: unknown) => err instanceof MesosMasterUrlError && err.code === 'MVN_ERR_MESOS_MASTER_URL');
    });
  }

  it('builds a static detector for host:port and a ZooKeeper one for zk://', function () {
    assert.ok(createMasterDetector('127.0.0.1:5050') instanceof StaticMasterDetector);
    assert.ok(createMasterDetector('zk://127.0.0.1:2181/mesos') instanceof ZkMasterDetector);
  });
});

describe('mesos leader election nodes', function () {
  it('picks the json.info_ child with the lowest sequence, ignoring other children', function () {
    const children = ['log_replicas', 'info_0000000001', 'json.info_0000000012', 'json.info_0000000010', 'json.info_0000000011', 'json.info_x'];
    assert.equal(pickLeaderNode(children), 'json.info_0000000010');
    assert.equal(pickLeaderNode(['log_replicas', 'info_0000000003']), undefined);
    assert.equal(pickLeaderNode([]), undefined);
  });

  it('reads address.ip and address.port from the MasterInfo JSON', function () {
    const info = { address: { hostname: 'm1.example', ip: '10.0.0.7', port: 5050 }, hostname: 'm1.example', id: 'x', ip: 117440522, port: 5050, pid: 'master@10.0.0.7:5050' };
    assert.equal(masterUrlFromInfo(JSON.stringify(info)), 'http://10.0.0.7:5050');
    assert.equal(masterUrlFromInfo(Buffer.from(JSON.stringify(info)), 'https'), 'https://10.0.0.7:5050');
  });

  it('falls back to address.hostname, then hostname, then the numeric ip', function () {
    assert.equal(masterUrlFromInfo('{"address":{"hostname":"m2","port":5051}}'), 'http://m2:5051');
    assert.equal(masterUrlFromInfo('{"hostname":"m3","port":5052}'), 'http://m3:5052');
    assert.equal(masterUrlFromInfo('{"ip":16777343,"port":5050}'), 'http://127.0.0.1:5050');
  });

  it('rejects data that is not a usable MasterInfo', function () {
    for (const data of ['not json', '"str"', '{"address":{"ip":"1.2.3.4"}}', '{"port":5050}']) {
      assert.throws(() => masterUrlFromInfo(data), ZkDetectionError, data);
    }
  });
});

/** An in-memory ZooKeeper client: children and data per path, watches fired on change. */
class FakeZk extends EventEmitter {
  nodes = new Map<string, Buffer>();
  childWatches: Array<() => void> = [];
  existsWatches: Array<() => void> = [];
  hang = false;
  connect(): void {
    setImmediate(() => this.emit('connected'));
  }
  close(): void {
    this.removeAllListeners();
  }
  getChildren(path: string, watcher: () => void, cb: (err: Error | zookeeper.Exception | null, children: string[]) => void): void {
    if (this.hang) return;
    this.childWatches.push(watcher);
    const children = [...this.nodes.keys()].filter((k) => k.startsWith(`${path}/`)).map((k) => k.slice(path.length + 1));
    setImmediate(() => cb(null, children));
  }
  getData(path: string, cb: (err: Error | null, data: Buffer | undefined) => void): void {
    if (this.hang) return;
    const data = this.nodes.get(path);
    setImmediate(() => (data ? cb(null, data) : cb(new Error(`no node ${path}`), undefined)));
  }
  exists(_path: string, watcher: () => void, cb: (err: Error | null) => void): void {
    this.existsWatches.push(watcher);
    setImmediate(() => cb(null));
  }
  change(mutate: () => void): void {
    mutate();
    const w = this.childWatches.splice(0);
    for (const fn of w) fn();
  }
}

function masterJson(ip: string, port: number): Buffer {
  return Buffer.from(JSON.stringify({ address: { hostname: ip, ip, port }, hostname: ip, port }));
}

function nextLeader(d: ZkMasterDetector): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onLeader = (url: string): void => { d.off('no-leader', onNone); resolve(url); };
    const onNone = (): void => { d.off('leader', onLeader); resolve(undefined); };
    d.once('leader', onLeader);
    d.once('no-leader', onNone);
  });
}

describe('ZooKeeper master detector (in-memory ZooKeeper)', function () {
  it('names the lowest json.info_ as leader and follows a leader change', async function () {
    const zk = new FakeZk();
    zk.nodes.set('/mesos/json.info_0000000002', masterJson('10.0.0.2', 5050));
    zk.nodes.set('/mesos/json.info_0000000003', masterJson('10.0.0.3', 5050));
    zk.nodes.set('/mesos/log_replicas', Buffer.alloc(0));
    const d = new ZkMasterDetector({ connect: 'zk:2181', path: '/mesos', createClient: () => zk as unknown as ZkClient });
    const first = nextLeader(d);
    d.start();
    assert.equal(await first, 'http://10.0.0.2:5050');
    assert.equal(d.leader, 'http://10.0.0.2:5050');

    const second = nextLeader(d);
    zk.change(() => zk.nodes.delete('/mesos/json.info_0000000002'));
    assert.equal(await second, 'http://10.0.0.3:5050');

    const none = nextLeader(d);
    zk.change(() => zk.nodes.delete('/mesos/json.info_0000000003'));
    assert.equal(await none, undefined);
    assert.equal(d.leader, undefined);
    await d.stop();
  });

  it('times out a ZooKeeper call that never answers and retries with backoff', async function () {
    const zk = new FakeZk();
    zk.hang = true;
    zk.nodes.set('/mesos/json.info_0000000001', masterJson('10.0.0.9', 5050));
    const clock = new FakeClock();
    const warnings: object[] = [];
    const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (o: object) => warnings.push(o) };
    const d = new ZkMasterDetector({
      connect: 'zk:2181', path: '/mesos', operationTimeoutMs: 1000, retry: { initialMs: 300, maxMs: 300 },
      clock, logger, createClient: () => zk as unknown as ZkClient,
    });
    d.start();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(clock.scheduled, [1000], 'the operation is guarded by a timer');
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal((warnings[0] as { err: { code: string } }).err.code, 'MVN_ERR_ZK_TIMEOUT');
    assert.deepEqual(clock.scheduled, [1000, 300]);
    zk.hang = false;
    const leader = nextLeader(d);
    clock.advance(300);
    assert.equal(await leader, 'http://10.0.0.9:5050');
    await d.stop();
  });
});
