// SchedulerClient against masters that misbehave the way real ones do: a non-leader answering
// 307 with a protocol-relative Location, 503 while no leader is elected, 400 for an unknown
// framework, a silent stream, a dropped stream, garbage on the stream, ERROR events.
import assert from 'node:assert/strict';
import { type DisconnectInfo, SchedulerClient, type SubscribedInfo } from '../../src/mesos/client';
import { type Encoding, encodeEvent } from '../../src/mesos/codec';
import { MesosHttpError, MesosNotSubscribedError } from '../../src/mesos/errors';
import { encodeRecord } from '../../src/mesos/recordio';
import type { Event, FrameworkInfo } from '../../src/mesos/types';
import { FakeMaster, type SeenRequest, nextEvent, reply, until } from './mesos-fake-master';

const FRAMEWORK: FrameworkInfo = {
  user: 'root',
  name: 'contract',
  failover_timeout: 60,
  roles: ['*'],
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
};

function subscribedRecord(encoding: Encoding, frameworkId: string, heartbeatSeconds = 15): Buffer {
  const event: Event = {
    type: 'SUBSCRIBED',
    subscribed: {
      framework_id: { value: frameworkId },
      heartbeat_interval_seconds: heartbeatSeconds,
      master_info: { id: 'm1', ip: 16777343, port: 5050, hostname: '127.0.0.1' },
    },
  };
  return encodeRecord(encodeEvent(event, encoding));
}

function record(encoding: Encoding, event: Event): Buffer {
  return encodeRecord(encodeEvent(event, encoding));
}

for (const encoding of ['json', 'protobuf'] as Encoding[]) {
  describe(`mesos client failure handling (${encoding})`, function () {
    const masters: FakeMaster[] = [];
    const clients: SchedulerClient[] = [];
    let streams = 0;

    async function newMaster(frameworkId = 'fw-1', heartbeat = 15): Promise<{ master: FakeMaster; base: string }> {
      const master = new FakeMaster();
      master.onSubscribe = (_req, res) => master.startStream(res, `stream-${++streams}`, encoding, [subscribedRecord(encoding, frameworkId, heartbeat)]);
      masters.push(master);
      return { master, base: await master.listen() };
    }

    function newClient(base: string, extra: Partial<ConstructorParameters<typeof SchedulerClient>[0]> = {}): SchedulerClient {
      const client = new SchedulerClient({ master: base, encoding, frameworkInfo: FRAMEWORK, backoff: { initialMs: 10, maxMs: 40 }, ...extra });
      clients.push(client);
      return client;
    }

    afterEach(async function () {
      for (const c of clients.splice(0)) await c.stop();
      for (const m of masters.splice(0)) await m.close();
    });

    it('follows a protocol-relative 307 from a non-leader to the leader, for SUBSCRIBE and for calls', async function () {
      const leader = await newMaster();
      const other = await newMaster();
      const redirector = new FakeMaster();
      masters.push(redirector);
      redirector.onSubscribe = (_req, res) => reply(res, 307, '', { Location: `//127.0.0.1:${leader.master.port}/api/v1/scheduler` });
      const redirectorBase = await redirector.listen();

      const client = newClient(redirectorBase);
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      const [info] = await subscribed;
      assert.equal(info.master, leader.base);
      assert.equal(client.master, leader.base);
      assert.equal(redirector.calls('SUBSCRIBE').length, 1);
      assert.equal(leader.master.calls('SUBSCRIBE').length, 1);

      // The leader itself loses leadership for one call: the call is replayed where Location points.
      other.master.currentStreamId = leader.master.currentStreamId;
      leader.master.onCall = (_req, res) => reply(res, 307, '', { Location: `//127.0.0.1:${other.master.port}/api/v1/scheduler` });
      await client.revive();
      const replayed = other.master.calls('REVIVE');
      assert.equal(replayed.length, 1);
      const first = leader.master.calls('REVIVE')[0] as SeenRequest;
      assert.deepEqual((replayed[0] as SeenRequest).body, first.body);
      assert.equal((replayed[0] as SeenRequest).headers['mesos-stream-id'], first.headers['mesos-stream-id']);
      assert.equal((replayed[0] as SeenRequest).headers['content-type'], first.headers['content-type']);
    });

    it('retries SUBSCRIBE and calls answered 503 with backoff, then succeeds', async function () {
      const { master, base } = await newMaster();
      let subscribeTries = 0;
      const serve = master.onSubscribe;
      master.onSubscribe = (req, res) => (++subscribeTries <= 2 ? reply(res, 503, 'No leader elected') : serve(req, res));
      const client = newClient(base);
      const disconnects: DisconnectInfo[] = [];
      client.on('disconnected', (d) => disconnects.push(d));
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      assert.equal(subscribeTries, 3);
      assert.deepEqual(disconnects.map((d) => [d.reason, (d.error as MesosHttpError).status]), [['subscribe-failed', 503], ['subscribe-failed', 503]]);

      let callTries = 0;
      master.onCall = (_req, res) => (++callTries <= 2 ? reply(res, 503, 'Master is recovering') : reply(res, 202, ''));
      await client.suppress(['*']);
      assert.equal(callTries, 3);
      const bodies = master.calls('SUPPRESS').map((r) => r.body.toString('hex'));
      assert.equal(new Set(bodies).size, 1, 'the same call is replayed');
    });

    it('gives up on an ACCEPT after maxCallAttempts answers of 503 with a typed error', async function () {
      const { master, base } = await newMaster();
      const client = newClient(base, { maxCallAttempts: 3, callBackoff: { initialMs: 5, maxMs: 10 } });
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      master.onCall = (_req, res) => reply(res, 503, 'No leader elected');
      await assert.rejects(client.accept(['o1'], []), (err: unknown) => err instanceof MesosHttpError && err.status === 503 && err.code === 'MVN_ERR_MESOS_503');
      assert.equal(master.calls('ACCEPT').length, 3);
    });

    it('turns a 400 answer into MesosHttpError with status, body and code', async function () {
      const { master, base } = await newMaster();
      const client = newClient(base);
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      master.onCall = (_req, res) => reply(res, 400, 'Framework cannot be found');
      await assert.rejects(client.kill('t1', 'agent-1'), (err: unknown) => {
        assert.ok(err instanceof MesosHttpError);
        assert.equal(err.status, 400);
        assert.equal(err.code, 'MVN_ERR_MESOS_400');
        assert.equal(err.body, 'Framework cannot be found');
        assert.equal(err.callType, 'KILL');
        return true;
      });
      assert.equal(master.calls('KILL').length, 1, 'a 4xx is not retried');
    });

    it('resubscribes with the framework id when heartbeats stop', async function () {
      const { master, base } = await newMaster('fw-heartbeat', 0.05);
      const client = newClient(base, { heartbeatMissLimit: 2 });
      const first = nextEvent(client, 'subscribed');
      client.start();
      const [info1] = await first;
      assert.equal(info1.resubscribed, false);
      const lost = nextEvent(client, 'disconnected');
      const second = nextEvent(client, 'subscribed');
      const [d] = await lost;
      assert.equal(d.reason, 'heartbeat-timeout');
      assert.equal(d.error?.name, 'MesosHeartbeatTimeoutError');
      const [info2] = await second;
      assert.equal(info2.resubscribed, true);
      assert.equal(info2.frameworkId, 'fw-heartbeat');
      const subs = master.calls('SUBSCRIBE');
      assert.ok(subs.length >= 2);
      const resub = subs[1]?.call;
      assert.deepEqual(resub?.framework_id, { value: 'fw-heartbeat' });
      assert.deepEqual(resub?.subscribe?.framework_info.id, { value: 'fw-heartbeat' });
      assert.equal(subs[1]?.headers['mesos-stream-id'], undefined);
    });

    it('keeps the stream alive while heartbeats arrive', async function () {
      const { master, base } = await newMaster('fw-alive', 0.1);
      const client = newClient(base, { heartbeatMissLimit: 5 });
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      const stream = [...master.streams][0];
      let beats = 0;
      client.on('heartbeat', () => beats++);
      const timer = setInterval(() => stream?.write(record(encoding, { type: 'HEARTBEAT' })), 20);
      try {
        await until(() => beats >= 15, 5000, '15 heartbeats');
      } finally {
        clearInterval(timer);
      }
      assert.equal(master.calls('SUBSCRIBE').length, 1);
      assert.equal(client.subscribed, true);
    });

    it('resubscribes after the master drops the stream, and refuses calls meanwhile', async function () {
      const { master, base } = await newMaster('fw-drop');
      const client = newClient(base, { backoff: { initialMs: 200, maxMs: 200 } });
      const first = nextEvent(client, 'subscribed');
      client.start();
      await first;
      const lost = nextEvent(client, 'disconnected');
      const again = nextEvent(client, 'subscribed');
      master.dropStreams();
      const [d] = await lost;
      assert.equal(d.reason, 'stream-ended');
      await assert.rejects(client.revive(), MesosNotSubscribedError);
      const [info] = await again;
      assert.equal(info.frameworkId, 'fw-drop');
      assert.equal(info.resubscribed, true);
      assert.deepEqual(master.calls('SUBSCRIBE')[1]?.call?.framework_id, { value: 'fw-drop' });
      await client.revive();
      assert.equal(master.calls('REVIVE')[0]?.headers['mesos-stream-id'], info.streamId);
    });

    it('logs a malformed RecordIO record clearly and resubscribes', async function () {
      const { master, base } = await newMaster('fw-garbage');
      const logged: Array<{ obj: object; msg?: string }> = [];
      const logger = {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: (obj: object, msg?: string) => logged.push({ obj, msg }),
      };
      const client = newClient(base, { logger });
      const first = nextEvent(client, 'subscribed');
      client.start();
      await first;
      const lost = nextEvent(client, 'disconnected');
      const again = nextEvent(client, 'subscribed');
      [...master.streams][0]?.write(Buffer.from('12x\n{"type":"HEARTBEAT"}'));
      const [d] = await lost;
      assert.equal(d.reason, 'malformed-record');
      assert.equal((d.error as { code?: string }).code, 'MVN_ERR_RECORDIO');
      assert.ok(logged.some((l) => /malformed RecordIO/.test(l.msg ?? '')));
      const [info] = await again;
      assert.equal(info.frameworkId, 'fw-garbage');
    });

    it('treats an undecodable record as malformed and resubscribes', async function () {
      const { master, base } = await newMaster('fw-undecodable');
      const client = newClient(base);
      const first = nextEvent(client, 'subscribed');
      client.start();
      await first;
      const lost = nextEvent(client, 'disconnected');
      const payload = encoding === 'json' ? Buffer.from('{"type":') : Buffer.from([0x0a, 0xff, 0xff]);
      [...master.streams][0]?.write(encodeRecord(payload));
      const [d] = await lost;
      assert.equal(d.reason, 'malformed-record');
      assert.equal((d.error as { code?: string }).code, 'MVN_ERR_MESOS_DECODE');
      await nextEvent(client, 'subscribed');
    });

    it('emits an ERROR event, drops that subscription and resubscribes', async function () {
      const { master, base } = await newMaster('fw-error');
      const client = newClient(base);
      const first = nextEvent(client, 'subscribed');
      client.start();
      await first;
      const errorEvent = nextEvent(client, 'error-event');
      const again = nextEvent(client, 'subscribed');
      [...master.streams][0]?.write(record(encoding, { type: 'ERROR', error: { message: 'Framework failed over' } }));
      const [message] = await errorEvent;
      assert.equal(message, 'Framework failed over');
      await again;
      assert.equal(master.calls('SUBSCRIBE').length, 2);
    });

    it('stops for good when the master says the framework has been removed', async function () {
      const { master, base } = await newMaster('fw-removed');
      const client = newClient(base);
      const first = nextEvent(client, 'subscribed');
      client.start();
      await first;
      const removed = nextEvent(client, 'removed');
      [...master.streams][0]?.write(record(encoding, { type: 'ERROR', error: { message: 'Framework has been removed' } }));
      const [message] = await removed;
      assert.equal(message, 'Framework has been removed');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(master.calls('SUBSCRIBE').length, 1, 'no resubscribe after removal');
      assert.equal(client.subscribed, false);
    });

    it('times out a call the master never answers, and cancels in-flight calls on stop()', async function () {
      const { master, base } = await newMaster('fw-slow');
      const client = newClient(base, { requestTimeoutMs: 150 });
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      master.onCall = () => undefined; // never answers
      // An ACCEPT without an answer has an unknown outcome (the master may have acted): reported, never resent.
      await assert.rejects(client.accept(['o1'], []), (err: unknown) => (err as { code?: string; cause?: { code?: string } }).code === 'MVN_ERR_MESOS_OUTCOME_UNKNOWN'
        && (err as { cause?: { code?: string } }).cause?.code === 'MVN_ERR_MESOS_TIMEOUT');
      assert.equal(master.calls('ACCEPT').length, 1);
      const pending = client.suppress();
      await until(() => master.calls('SUPPRESS').length === 1, 5000, 'the SUPPRESS to arrive');
      const ended = assert.rejects(pending, (err: unknown) => (err as { code?: string }).code === 'MVN_ERR_MESOS_STOPPED');
      await client.stop();
      await ended;
      await assert.rejects(client.revive(), (err: unknown) => (err as { code?: string }).code === 'MVN_ERR_MESOS_STOPPED');
    });

    it('resubscribes from the start with a stored framework id', async function () {
      const { master, base } = await newMaster('fw-stored');
      const client = newClient(base, { frameworkId: 'fw-stored' });
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      const [info]: [SubscribedInfo] = await subscribed;
      assert.equal(info.resubscribed, true);
      const call = master.calls('SUBSCRIBE')[0]?.call;
      assert.deepEqual(call?.framework_id, { value: 'fw-stored' });
      assert.deepEqual(call?.subscribe?.framework_info.id, { value: 'fw-stored' });
    });
  });
}
