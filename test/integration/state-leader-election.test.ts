// Leader election among three candidates on a real ZooKeeper: kill -9 of the leading process,
// abdication, a clean close and session expiry each hand leadership to exactly one other.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, spawn } from 'node:child_process';
import { DefeatReason, LeaderElection, ZkLeaderElection } from '../../src/state/leader-election';
import { eventually } from '../helpers/state-contract';
import { ZooKeeperCluster, expireSession, startZooKeeper } from '../helpers/zookeeper';
import { describeNeeding } from '../helpers/requires';

const CHILD = `
const { ZkLeaderElection } = require(process.argv[1]);
ZkLeaderElection.open(process.argv[2], { id: process.argv[3], sessionTimeoutMs: 1000 }).then((e) => {
  const report = () => process.stdout.write(e.isLeader ? 'leader\\n' : 'follower\\n');
  e.on('elected', report);
  report();
});
`;

interface Observed {
  election: ZkLeaderElection;
  events: string[];
}

describeNeeding(['zookeeper'], 'state: leader election (ZooKeeper)', function () {
  this.timeout(30_000);
  let zk: ZooKeeperCluster;
  let root: string;
  let child: ChildProcess | undefined;
  const elections: LeaderElection[] = [];

  before(async function () {
    zk = await startZooKeeper();
    root = zk.url(`/mvn-le-${zk.runId}`);
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(elections.map((e) => e.close()));
    if (zk) {
      await zk.stop();
      assert.deepEqual(zk.alivePids(), []);
      assert.equal(fs.existsSync(zk.dir), false);
    }
  });

  async function candidate(id: string): Promise<Observed> {
    const election = await ZkLeaderElection.open(root, { id, sessionTimeoutMs: 2000, operationTimeoutMs: 2000, rejoinDelayMs: 300 });
    elections.push(election);
    const events: string[] = [];
    if (election.isLeader) events.push('elected');
    election.on('elected', () => events.push('elected'));
    election.on('defeated', (reason: DefeatReason) => events.push(`defeated:${reason}`));
    return { election, events };
  }

  const leaders = (cs: Observed[]) => cs.filter((c) => c.election.isLeader).map((c) => c.election.currentLeader());

  it('elects exactly one; kill -9 of the leading process elects another', async () => {
    const modulePath = path.resolve(__dirname, '../../src/state/leader-election.js');
    child = spawn(process.execPath, ['-e', CHILD, modulePath, root, '127.0.0.1:9001'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d.toString()));
    await eventually(async () => assert.match(out, /leader/), 10_000);

    const b = await candidate('127.0.0.1:9002');
    const c = await candidate('127.0.0.1:9003');
    assert.equal(b.election.isLeader, false);
    assert.equal(c.election.isLeader, false);
    await eventually(async () => {
      assert.equal(b.election.currentLeader(), '127.0.0.1:9001');
      assert.equal(c.election.currentLeader(), '127.0.0.1:9001');
    });

    child.kill('SIGKILL');
    await eventually(async () => assert.deepEqual(leaders([b, c]), ['127.0.0.1:9002']), 10_000);
    await eventually(async () => assert.equal(c.election.currentLeader(), '127.0.0.1:9002'));
    assert.deepEqual(b.events, ['elected']);
    assert.deepEqual(c.events, []);

    // Abdication: c takes over, b rejoins at the back.
    await b.election.abdicate();
    assert.equal(b.election.isLeader, false);
    await eventually(async () => assert.deepEqual(leaders([b, c]), ['127.0.0.1:9003']));
    await eventually(async () => assert.equal(b.election.currentLeader(), '127.0.0.1:9003'));
    assert.deepEqual(b.events, ['elected', 'defeated:abdicated']);
    await new Promise((r) => setTimeout(r, 600)); // b's rejoin delay passes
    assert.equal(b.election.isLeader, false);

    // Session expiry of the leader: it is defeated, b leads, c comes back as a follower.
    const credentials = c.election.session.credentials();
    assert.ok(credentials);
    await expireSession(zk.connectString, credentials);
    await eventually(async () => assert.deepEqual(leaders([b, c]), ['127.0.0.1:9002']), 10_000);
    await eventually(async () => assert.equal(c.election.currentLeader(), '127.0.0.1:9002'), 10_000);
    assert.deepEqual(c.events, ['elected', 'defeated:session-expired']);

    // A clean close hands over at once.
    await b.election.close();
    await eventually(async () => assert.equal(c.election.isLeader, true));
    assert.deepEqual(b.events, ['elected', 'defeated:abdicated', 'elected', 'defeated:closed']);
  });
});
