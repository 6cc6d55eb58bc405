// SchedulerClient driven against the local Mesos-compatible master (src/sim/mesos) with a simulated
// agent, in both encodings: subscribe, launch, status updates with ACK (and the re-send of an
// unacknowledged one), reconciliation, decline filters, kill, resubscribe after the connection
// drops, and a non-leading master answering 307.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { SchedulerClient } from '../../src/mesos/client';
import type { Encoding } from '../../src/mesos/codec';
import type { FrameworkInfo, Offer, TaskInfo, TaskStatus } from '../../src/mesos/types';
import { LocalMaster } from '../../src/sim/mesos/master';
import { simulatedAgent } from '../../src/sim/mesos/simulated-agent';
import { nextEvent, until } from '../contract/mesos-fake-master';

/** A TCP pass-through whose connections a test can cut, to drop the subscription like a network would. */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  constructor(private readonly targetPort: number) {}

  async listen(): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  cutAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function frameworkInfo(name: string): FrameworkInfo {
  return {
    user: 'root',
    name,
    failover_timeout: 60,
    roles: ['*'],
    capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }],
  };
}

function task(id: string, offer: Offer): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, allocation_info: { role: '*' } },
    ],
    command: { shell: true, value: 'sleep 600' },
    labels: { labels: [{ key: 'vnet.app', value: '/client-test' }] },
  };
}

for (const encoding of ['json', 'protobuf'] as Encoding[]) {
  describe(`mesos client against the local master (${encoding})`, function () {
    this.timeout(20_000);
    const runId = crypto.randomBytes(3).toString('hex');
    let master: LocalMaster;
    let proxy: CuttableProxy;
    let client: SchedulerClient;
    const cleanups: Array<() => Promise<void>> = [];
    const updates: TaskStatus[] = [];
    const offers: Offer[] = [];
    const ackResults: Array<{ status: TaskStatus; acked: boolean }> = [];
    /** uuids the test deliberately leaves unacknowledged, once. */
    const skipOnce = new Set<string>();
    let skippedUuid: string | undefined;
    let frameworkId = '';
    const taskId = `t-${runId}-${encoding}`;
    let agentId = '';
    const usedOffers = new Set<string>();

    before(async function () {
      master = new LocalMaster({
        heartbeatIntervalSeconds: 1,
        allocationIntervalMs: 50,
        statusUpdateRetryMs: 150,
        statusUpdateMaxRetryMs: 300,
        agents: [simulatedAgent({ resources: { cpus: 2, mem: 2048, disk: 4096 }, taskDelayMs: 10 })],
      });
      await master.listen(0);
      cleanups.push(() => master.close());
      proxy = new CuttableProxy(Number(new URL(master.url).port));
      const proxyPort = await proxy.listen();
      cleanups.push(() => proxy.close());
      client = new SchedulerClient({
        master: `127.0.0.1:${proxyPort}`,
        encoding,
        frameworkInfo: frameworkInfo(`client-${runId}`),
        backoff: { initialMs: 20, maxMs: 200 },
        heartbeatMissLimit: 5,
      });
      cleanups.push(() => client.stop());
      client.on('offers', (o) => offers.push(...o));
      client.on('update', (status) => {
        updates.push(status);
        if (status.uuid && status.state === 'TASK_RUNNING' && skippedUuid === undefined) {
          skippedUuid = status.uuid;
          skipOnce.add(status.uuid);
        }
        if (status.uuid && skipOnce.delete(status.uuid)) return; // not acknowledged this time
        client.acknowledge(status).then(
          (acked) => ackResults.push({ status, acked }),
          () => undefined, // a drop in the middle of an ACK is covered by the agent's re-send
        );
      });
    });

    after(async function () {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    it('subscribes and receives offers', async function () {
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      const [info] = await subscribed;
      frameworkId = info.frameworkId;
      assert.ok(frameworkId.length > 0);
      assert.equal(info.resubscribed, false);
      assert.equal(info.heartbeatIntervalSeconds, 1);
      await until(() => offers.length > 0, 5000, 'an offer');
      assert.equal(master.state().frameworks[0]?.id, frameworkId);
    });

    it('launches a task from an offer and sees it running', async function () {
      const offer = offers[offers.length - 1] as Offer;
      agentId = offer.agent_id.value;
      usedOffers.add(offer.id.value);
      await client.launch([offer.id], [task(taskId, offer)], { refuse_seconds: 1 });
      await until(() => updates.some((u) => u.task_id.value === taskId && u.state === 'TASK_RUNNING'), 5000, 'TASK_RUNNING');
    });

    it('gets an unacknowledged update again with the same uuid, and acknowledges it', async function () {
      assert.ok(skippedUuid);
      await until(() => updates.filter((u) => u.uuid === skippedUuid).length >= 2, 5000, 'the re-sent update');
      await until(() => ackResults.some((r) => r.status.uuid === skippedUuid && r.acked), 5000, 'the ACK of the re-sent update');
      await until(() => master.state().pendingStatusUpdates === 0, 5000, 'no pending status updates');
      const running = master.state().tasks.find((t) => t.taskId === taskId);
      assert.equal(running?.state, 'TASK_RUNNING');
    });

    it('reconciles explicitly: the known task and an unknown one, answers without uuid never acknowledged', async function () {
      const before = updates.length;
      const acksBefore = master.state().pendingStatusUpdates;
      await client.reconcile([{ task_id: { value: taskId }, agent_id: { value: agentId } }, { task_id: { value: `unknown-${runId}` } }]);
      await until(() => updates.length >= before + 2, 5000, 'two reconciliation answers');
      const answers = updates.slice(before);
      const known = answers.find((u) => u.task_id.value === taskId);
      const unknown = answers.find((u) => u.task_id.value === `unknown-${runId}`);
      assert.equal(known?.state, 'TASK_RUNNING');
      assert.equal(known?.reason, 'REASON_RECONCILIATION');
      assert.equal(unknown?.state, 'TASK_UNKNOWN');
      for (const a of [known, unknown]) {
        assert.equal(a?.uuid, undefined);
        assert.equal(a?.source, 'SOURCE_MASTER');
      }
      await until(() => ackResults.filter((r) => r.status.reason === 'REASON_RECONCILIATION').length >= 2, 5000, 'acknowledge() results');
      assert.ok(ackResults.filter((r) => r.status.uuid === undefined).every((r) => r.acked === false));
      assert.equal(master.state().pendingStatusUpdates, acksBefore);
    });

    it('reconciles implicitly with an empty list', async function () {
      const before = updates.length;
      await client.reconcile([]);
      await until(() => updates.slice(before).some((u) => u.task_id.value === taskId && u.reason === 'REASON_RECONCILIATION'), 5000, 'implicit answer');
    });

    it('honours a decline filter until REVIVE', async function () {
      const unused = (): Offer[] => offers.filter((o) => !usedOffers.has(o.id.value));
      await until(() => unused().length > 0, 5000, 'an offer to decline');
      const pending = unused();
      for (const o of pending) usedOffers.add(o.id.value);
      const seen = offers.length;
      await client.decline(pending.map((o) => o.id), { refuse_seconds: 3600 });
      assert.equal(master.state().offers.length, 0, 'every outstanding offer declined');
      await new Promise((r) => setTimeout(r, 400)); // several allocation cycles (50 ms each)
      assert.equal(offers.length, seen, 'no offer for the filtered agent');
      await client.revive();
      await until(() => offers.length > seen, 5000, 'an offer after REVIVE');
    });

    it('kills the task: TASK_KILLING then TASK_KILLED', async function () {
      await client.kill(taskId, agentId);
      await until(() => updates.some((u) => u.task_id.value === taskId && u.state === 'TASK_KILLED'), 5000, 'TASK_KILLED');
      const states = updates.filter((u) => u.task_id.value === taskId && u.reason !== 'REASON_RECONCILIATION').map((u) => u.state);
      assert.ok(states.indexOf('TASK_KILLING') < states.indexOf('TASK_KILLED'));
    });

    it('resubscribes with the same framework id after the connection drops', async function () {
      const lost = nextEvent(client, 'disconnected');
      const back = nextEvent(client, 'subscribed');
      proxy.cutAll();
      const [d] = await lost;
      assert.ok(d.reason === 'stream-ended' || d.reason === 'stream-error', d.reason);
      const [info] = await back;
      assert.equal(info.frameworkId, frameworkId);
      assert.equal(info.resubscribed, true);
      await until(() => master.state().frameworks.find((f) => f.id === frameworkId)?.connected === true, 5000, 'framework connected');
      assert.equal(master.state().frameworks.length, 1, 'no second framework registered');
      await client.revive();
    });

    it('follows a non-leading master\'s 307 to the leader', async function () {
      const follower = new LocalMaster({ leader: new URL(master.url).host });
      await follower.listen(0);
      cleanups.push(() => follower.close());
      const other = new SchedulerClient({ master: follower.url, encoding, frameworkInfo: frameworkInfo(`redirected-${runId}`), backoff: { initialMs: 20, maxMs: 200 } });
      cleanups.push(() => other.stop());
      const subscribed = nextEvent(other, 'subscribed');
      other.start();
      const [info] = await subscribed;
      assert.equal(info.master, master.url);
      await other.suppress();
      const fw = master.state().frameworks.find((f) => f.id === info.frameworkId);
      assert.equal(fw?.suppressed, true);
      await other.teardown();
      await until(() => master.state().frameworks.every((f) => f.id !== info.frameworkId), 5000, 'the torn-down framework to go');
    });
  });
}
