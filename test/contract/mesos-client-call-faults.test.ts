// SchedulerClient calls against connection faults: the keep-alive race (the master closed a pooled
// socket), resets after the master acted, and a master that keeps failing calls.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { type DisconnectInfo, SchedulerClient } from '../../src/mesos/client';
import { encodeEvent } from '../../src/mesos/codec';
import { encodeRecord } from '../../src/mesos/recordio';
import type { FrameworkInfo, TaskStatus } from '../../src/mesos/types';
import { FakeMaster, nextEvent, reply } from './mesos-fake-master';

const FRAMEWORK: FrameworkInfo = { user: 'root', name: 'faults', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }] };

describe('mesos client call faults', function () {
  const masters: FakeMaster[] = [];
  const clients: SchedulerClient[] = [];
  let streams = 0;

  async function subscribedClient(extra: Partial<ConstructorParameters<typeof SchedulerClient>[0]> = {}): Promise<{ master: FakeMaster; client: SchedulerClient }> {
    const master = new FakeMaster();
    master.onSubscribe = (_req, res) => master.startStream(res, `stream-${++streams}`, 'json', [encodeRecord(encodeEvent({
      type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'fw-faults' }, heartbeat_interval_seconds: 15 },
    }, 'json'))]);
    masters.push(master);
    const base = await master.listen();
    const client = new SchedulerClient({
      master: base, encoding: 'json', frameworkInfo: FRAMEWORK, backoff: { initialMs: 10, maxMs: 40 },
      callBackoff: { initialMs: 5, maxMs: 20 }, ...extra,
    });
    clients.push(client);
    const subscribed = nextEvent(client, 'subscribed');
    client.start();
    await subscribed;
    return { master, client };
  }

  afterEach(async function () {
    for (const c of clients.splice(0)) await c.stop();
    for (const m of masters.splice(0)) await m.close();
  });

  it('resends a call whose pooled keep-alive socket the master had closed on a fresh connection', async function () {
    const { master, client } = await subscribedClient();
    const served = new Set<Socket>();
    const sockets: Socket[] = [];
    let closedStale = 0;
    master.onCall = (req, res) => {
      const socket = res.socket as Socket;
      sockets.push(socket);
      // The race: the master closes a socket it served before at the moment the call arrives.
      if (served.has(socket) && req.call?.type === 'DECLINE' && closedStale === 0) { closedStale++; socket.destroy(); return; }
      served.add(socket);
      reply(res, 202, '');
    };
    // Which pooled socket a call takes is the pool's choice: DECLINEs until one meets a socket used before.
    for (let k = 0; k < 8 && closedStale === 0; k++) await client.decline([`o${k}`]);
    assert.equal(closedStale, 1, 'a DECLINE met a reused socket');
    const declines = master.calls('DECLINE');
    const met = declines.length - 2;
    assert.ok(met >= 0);
    assert.notEqual(sockets[sockets.length - 1], sockets[sockets.length - 2], 'resent on another connection');
    assert.equal(declines[met + 1]?.headers.connection, 'close', 'a fresh connection outside the pool');
    assert.equal(declines[met]?.body.toString('hex'), declines[met + 1]?.body.toString('hex'));
  });

  it('reports an ACCEPT whose reused keep-alive socket broke before any answer as outcome unknown, never resent', async function () {
    const { master, client } = await subscribedClient();
    const served = new Set<Socket>();
    let closedStale = 0;
    master.onCall = (req, res) => {
      const socket = res.socket as Socket;
      // The master read the ACCEPT, then the socket closed: from the client this is the stale-socket race.
      if (served.has(socket) && req.call?.type === 'ACCEPT' && closedStale === 0) { closedStale++; socket.destroy(); return; }
      served.add(socket);
      reply(res, 202, '');
    };
    // ACCEPTs until one meets a socket used before (the pool picks the socket); the others are answered.
    let outcome: unknown;
    for (let k = 0; k < 8 && closedStale === 0; k++) {
      try {
        await client.accept([`o${k}`], []);
      } catch (err) {
        outcome = err;
      }
    }
    assert.equal(closedStale, 1, 'an ACCEPT met a reused socket');
    assert.equal((outcome as { code?: string } | undefined)?.code, 'MVN_ERR_MESOS_OUTCOME_UNKNOWN');
    const accepts = master.calls('ACCEPT');
    assert.equal(accepts.length, new Set(accepts.map((a) => a.body.toString('hex'))).size, 'none resent');
  });

  it('shares one ACKNOWLEDGE between an update and its resend while the first is unanswered; a later resend is acknowledged again', async function () {
    const { master, client } = await subscribedClient();
    const held: Array<() => void> = [];
    master.onCall = (req, res) => {
      if (req.call?.type === 'ACKNOWLEDGE' && held.length === 0) held.push(() => reply(res, 202, ''));
      else reply(res, 202, '');
    };
    const status = { task_id: { value: 't1' }, agent_id: { value: 'a1' }, state: 'TASK_RUNNING', uuid: Buffer.from('u-1').toString('base64') } as TaskStatus;
    const first = client.acknowledge(status);
    const resend = client.acknowledge(status);
    const other = client.acknowledge({ ...status, uuid: Buffer.from('u-2').toString('base64') });
    while (held.length === 0 || master.calls('ACKNOWLEDGE').length < 2) await new Promise((r) => setImmediate(r));
    held[0]?.();
    assert.deepEqual(await Promise.all([first, resend, other]), [true, true, true]);
    assert.equal(master.calls('ACKNOWLEDGE').length, 2, 'u-1 once, u-2 once');
    assert.equal(await client.acknowledge(status), true);
    assert.equal(master.calls('ACKNOWLEDGE').length, 3);
  });

  it('retries a DECLINE reset after the master acted until it is answered', async function () {
    const { master, client } = await subscribedClient();
    let resets = 3;
    master.onCall = (_req, res) => {
      if (resets-- > 0) { (res.socket as Socket).resetAndDestroy(); return; }
      reply(res, 202, '');
    };
    await client.decline(['o1', 'o2'], { refuse_seconds: 5 });
    assert.equal(master.calls('DECLINE').length, 4);
  });

  it('reports an ACCEPT reset after the master acted as outcome unknown, sent once on a pooled keep-alive connection', async function () {
    const { master, client } = await subscribedClient();
    master.onCall = (_req, res) => (res.socket as Socket).resetAndDestroy();
    await assert.rejects(client.accept(['o1'], []), (err: unknown) => (err as { code?: string }).code === 'MVN_ERR_MESOS_OUTCOME_UNKNOWN');
    const accepts = master.calls('ACCEPT');
    assert.equal(accepts.length, 1);
    assert.equal(accepts[0]?.headers.connection, 'keep-alive', 'no handshake per ACCEPT (src/DESIGN-NOTES.md, Mesos client)');
  });

  it('gives up on a master that keeps failing calls: resubscribes, and the pending call ends', async function () {
    const { master, client } = await subscribedClient({ callHealth: { failures: 4, spanMs: 0 } });
    master.onCall = (_req, res) => (res.socket as Socket).resetAndDestroy();
    const lost = nextEvent(client, 'disconnected', (d: DisconnectInfo) => d.reason === 'calls-failing');
    const again = nextEvent(client, 'subscribed', (info) => info.resubscribed);
    const pending = client.revive(['*']);
    await assert.rejects(pending, (err: unknown) => (err as { code?: string }).code === 'MVN_ERR_MESOS_SUBSCRIPTION_LOST');
    const [info] = await lost;
    assert.match(info.error?.message ?? '', /4 calls .* failed in a row/);
    await again;
    assert.equal(master.calls('REVIVE').length, 4);
    assert.equal(master.calls('SUBSCRIBE').length, 2);
    master.onCall = (_req, res) => reply(res, 202, '');
    await client.revive(['*']);
  });
});

describe('mesos client: a master that answers no call', function () {
  it('times each call out after the heartbeat allowance and resubscribes once calls keep failing, while the stream looks alive', async function () {
    const master = new FakeMaster();
    let n = 0;
    master.onSubscribe = (_req, res) => master.startStream(res, `silent-${++n}`, 'json', [encodeRecord(encodeEvent({
      type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'fw-silent' }, heartbeat_interval_seconds: 0.05 },
    }, 'json'))]);
    const base = await master.listen();
    // heartbeats keep the stream alive; calls are never answered
    const beat = setInterval(() => { for (const s of master.streams) s.write(encodeRecord(encodeEvent({ type: 'HEARTBEAT' }, 'json'))); }, 20);
    master.onCall = () => undefined;
    const client = new SchedulerClient({
      master: base, encoding: 'json', frameworkInfo: FRAMEWORK, backoff: { initialMs: 10, maxMs: 40 },
      callBackoff: { initialMs: 5, maxMs: 10 }, callHealth: { failures: 3, spanMs: 0 },
    });
    try {
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      const lost = nextEvent(client, 'disconnected', (d: DisconnectInfo) => d.reason === 'calls-failing', 5000);
      const started = Date.now();
      await assert.rejects(client.suppress(['*']), (err: unknown) => (err as { code?: string }).code === 'MVN_ERR_MESOS_SUBSCRIPTION_LOST');
      const elapsed = Date.now() - started;
      const [info] = await lost;
      assert.equal((info.error?.cause as { code?: string } | undefined)?.code, 'MVN_ERR_MESOS_TIMEOUT');
      assert.equal(master.calls('SUPPRESS').length, 3);
      // 3 attempts of 5 × 50 ms each (not the 75 s request timeout), plus backoff
      assert.ok(elapsed >= 3 * 250 && elapsed < 5000, `took ${elapsed} ms`);
    } finally {
      clearInterval(beat);
      await client.stop();
      await master.close();
    }
  });
});
