// SchedulerClient timing with an injected clock: resubscribe backoff and the heartbeat watchdog
// are checked in virtual time against real loopback sockets, so nothing here waits for seconds.
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { type DisconnectInfo, SchedulerClient } from '../../src/mesos/client';
import { encodeEvent } from '../../src/mesos/codec';
import { encodeRecord } from '../../src/mesos/recordio';
import type { Event } from '../../src/mesos/types';
import { FakeClock } from '../unit/mesos-fake-clock';
import { FakeMaster, nextEvent, reply, until } from './mesos-fake-master';

const REQUEST_TIMEOUT = 99_999; // distinguishes the request timer from backoff timers in clock.scheduled
const FRAMEWORK = { user: 'root', name: 'timing' };

/** A port of ours whose every connection is reset at once (a closed port could be reused by a parallel test). */
async function resettingPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Timers no longer than the backoff cap (request and heartbeat timers are far longer here). */
function backoffTimers(clock: FakeClock, capMs = 4000): number[] {
  return clock.scheduled.filter((ms) => ms <= capMs);
}

describe('mesos client timing (injected clock)', function () {
  const clients: SchedulerClient[] = [];
  const masters: FakeMaster[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async function () {
    for (const c of clients.splice(0)) await c.stop();
    for (const m of masters.splice(0)) await m.close();
    for (const c of closers.splice(0)) await c();
  });

  it('backs off exponentially between failed SUBSCRIBE attempts, capped', async function () {
    const clock = new FakeClock();
    const { port, close } = await resettingPort();
    closers.push(close);
    const client = new SchedulerClient({
      master: `127.0.0.1:${port}`,
      encoding: 'json',
      frameworkInfo: FRAMEWORK,
      backoff: { initialMs: 100, maxMs: 800 },
      requestTimeoutMs: REQUEST_TIMEOUT,
      clock,
    });
    clients.push(client);
    const reasons: DisconnectInfo[] = [];
    client.on('disconnected', (d) => reasons.push(d));
    client.start();
    const expected = [100, 200, 400, 800, 800, 800];
    for (let i = 0; i < expected.length; i++) {
      await until(() => backoffTimers(clock).length === i + 1, 5000, `failure ${i + 1}`);
      assert.equal(backoffTimers(clock)[i], expected[i]);
      clock.advance(expected[i] as number);
    }
    assert.ok(reasons.every((r) => r.reason === 'subscribe-failed' && (r.error as { code?: string }).code === 'MVN_ERR_MESOS_CONNECTION'));
  });

  it('resubscribes only after 5 silent heartbeat intervals (the default limit), then restarts the backoff from the beginning', async function () {
    const clock = new FakeClock();
    const master = new FakeMaster();
    masters.push(master);
    let n = 0;
    const subscribed: Event = {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: 'fw-timing' }, heartbeat_interval_seconds: 15 },
    };
    let tries = 0;
    master.onSubscribe = (_req, res) => {
      if (++tries <= 2) return reply(res, 503, 'No leader elected');
      master.startStream(res, `s${++n}`, 'json', [encodeRecord(encodeEvent(subscribed, 'json'))]);
    };
    const base = await master.listen();
    const client = new SchedulerClient({
      master: base,
      encoding: 'json',
      frameworkInfo: FRAMEWORK,
      // heartbeatMissLimit left to its default: 5 × 15 s
      backoff: { initialMs: 250, maxMs: 4000 },
      requestTimeoutMs: REQUEST_TIMEOUT,
      clock,
    });
    clients.push(client);
    const first = nextEvent(client, 'subscribed');
    client.start();
    await until(() => backoffTimers(clock).length === 1, 5000, 'first 503');
    clock.advance(250);
    await until(() => backoffTimers(clock).length === 2, 5000, 'second 503');
    clock.advance(500);
    await first;
    assert.deepEqual(backoffTimers(clock), [250, 500]);

    let beats = 0;
    client.on('heartbeat', () => beats++);
    clock.advance(60_000);
    [...master.streams][0]?.write(encodeRecord(encodeEvent({ type: 'HEARTBEAT' }, 'json')));
    await until(() => beats === 1, 5000, 'the heartbeat');
    clock.advance(74_999); // 134 999 ms since SUBSCRIBED, 74 999 since the heartbeat
    assert.equal(client.subscribed, true);
    assert.equal(master.calls('SUBSCRIBE').length, 3, 'two answered 503, the third subscribed');

    const lost = nextEvent(client, 'disconnected');
    clock.advance(1);
    const [d] = await lost;
    assert.equal(d.reason, 'heartbeat-timeout');
    assert.deepEqual(backoffTimers(clock), [250, 500, 250], 'SUBSCRIBED reset the backoff');
    const again = nextEvent(client, 'subscribed');
    clock.advance(250);
    const [info] = await again;
    assert.equal(info.resubscribed, true);
    assert.deepEqual(master.calls('SUBSCRIBE')[3]?.call?.framework_id, { value: 'fw-timing' });
  });

  it('gives up on a SUBSCRIBE whose answer never comes after requestTimeoutMs', async function () {
    const clock = new FakeClock();
    const master = new FakeMaster();
    masters.push(master);
    master.onSubscribe = () => undefined; // never answers
    const base = await master.listen();
    const client = new SchedulerClient({
      master: base,
      encoding: 'protobuf',
      frameworkInfo: FRAMEWORK,
      backoff: { initialMs: 10, maxMs: 10 },
      requestTimeoutMs: REQUEST_TIMEOUT,
      clock,
    });
    clients.push(client);
    client.start();
    await until(() => master.calls('SUBSCRIBE').length === 1, 5000, 'the SUBSCRIBE');
    const lost = nextEvent(client, 'disconnected');
    clock.advance(REQUEST_TIMEOUT);
    const [d] = await lost;
    assert.equal(d.reason, 'subscribe-failed');
    assert.equal((d.error as { code?: string }).code, 'MVN_ERR_MESOS_TIMEOUT');
  });
});
