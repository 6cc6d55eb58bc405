// Wire contract of SchedulerClient against the recorded Mesos 1.11 lifecycle: the recorded
// subscription stream is replayed (in odd chunk sizes) by a fake master, the client is driven
// through the same calls the recording made, and every request it sends must carry exactly the
// recorded headers and body (byte length included).
import assert from 'node:assert/strict';
import { SchedulerClient } from '../../src/mesos/client';
import type { Encoding } from '../../src/mesos/codec';
import type { Call, Event, FrameworkInfo, TaskStatus } from '../../src/mesos/types';
import { FakeMaster, type SeenRequest, chunked, nextEvent, until } from './mesos-fake-master';
import { type RecordedLine, normaliseRecorded, readScenario, readStream } from './mesos-fixtures';

// Headers node manages itself; the recordings list what the client set explicitly.
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);

function recordedHeaderNames(line: RecordedLine): string[] {
  return Object.keys(line.headers ?? {}).map((h) => h.toLowerCase()).filter((h) => !TRANSPORT_HEADERS.has(h)).sort();
}

function sentHeaderNames(req: SeenRequest): string[] {
  return req.rawHeaderNames.map((h) => h.toLowerCase()).filter((h) => !TRANSPORT_HEADERS.has(h)).sort();
}

function header(line: RecordedLine, name: string): string | number | undefined {
  const key = Object.keys(line.headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : (line.headers as Record<string, string | number>)[key];
}

for (const encoding of ['json', 'protobuf'] as Encoding[]) {
  describe(`mesos client wire contract: recorded lifecycle (${encoding})`, function () {
    const scenario = `lifecycle-${encoding}`;
    const lines = readScenario(scenario);
    const recordedRequests = lines.filter((l) => l.dir === 'request' && l.probe === undefined);
    const recordedEvents = lines.filter((l) => l.dir === 'event').map((l) => normaliseRecorded(l.event) as Event);
    const subscribeLine = recordedRequests[0] as RecordedLine;
    const subscribeResponse = lines.find((l) => l.dir === 'response' && l.status === 200) as RecordedLine;
    const recordedStreamId = String(header(subscribeResponse, 'mesos-stream-id'));
    const recordedSubscribe = normaliseRecorded(subscribeLine.body) as Call;

    let master: FakeMaster;
    let client: SchedulerClient;
    const events: Event[] = [];
    const updates: TaskStatus[] = [];

    before(async function () {
      master = new FakeMaster();
      master.onSubscribe = (_req, res) => master.startStream(res, recordedStreamId, encoding, chunked(readStream(scenario)));
      const base = await master.listen();
      client = new SchedulerClient({
        master: base,
        encoding,
        frameworkInfo: recordedSubscribe.subscribe?.framework_info as FrameworkInfo,
        backoff: { initialMs: 20, maxMs: 100 },
      });
      client.on('event', (e) => events.push(e));
      client.on('update', (s) => updates.push(s));
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      await subscribed;
      await until(() => events.length === recordedEvents.length, 5000, 'every recorded event');
    });

    after(async function () {
      await client?.stop();
      await master?.close();
    });

    it('sends SUBSCRIBE with exactly the recorded headers and body', function () {
      const subs = master.calls('SUBSCRIBE');
      assert.equal(subs.length, 1);
      const req = subs[0] as SeenRequest;
      assert.deepEqual(sentHeaderNames(req), recordedHeaderNames(subscribeLine));
      assert.equal(req.headers['content-type'], header(subscribeLine, 'content-type'));
      assert.equal(req.headers.accept, header(subscribeLine, 'accept'));
      assert.equal(req.headers['mesos-stream-id'], undefined);
      assert.deepEqual(req.call, recordedSubscribe);
    });

    it('decodes the replayed stream into exactly the recorded events, unknown enum values included', function () {
      assert.deepEqual(events, recordedEvents);
      const caps = events[0]?.subscribed?.master_info?.capabilities;
      assert.deepEqual(caps, [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, {}]);
      assert.equal(client.frameworkId, recordedEvents[0]?.subscribed?.framework_id.value);
    });

    it('replays every recorded call with the recorded headers, body and Content-Length', async function () {
      const expected = recordedRequests.slice(1).filter((l) => (l.body as Call).type !== 'ACKNOWLEDGE');
      for (const line of expected) {
        const call = normaliseRecorded(line.body) as Call;
        const before = master.requests.length;
        switch (call.type) {
          case 'ACCEPT': {
            const ops = call.accept?.operations ?? [];
            assert.equal(ops.length, 1);
            await client.launch(call.accept?.offer_ids ?? [], ops[0]?.launch?.task_infos ?? [], call.accept?.filters);
            break;
          }
          case 'RECONCILE': await client.reconcile(call.reconcile?.tasks ?? []); break;
          case 'DECLINE': await client.decline(call.decline?.offer_ids ?? [], call.decline?.filters); break;
          case 'SUPPRESS': await client.suppress(call.suppress?.roles); break;
          case 'REVIVE': await client.revive(call.revive?.roles); break;
          case 'KILL': await client.kill(call.kill?.task_id as { value: string }, call.kill?.agent_id); break;
          default: assert.fail(`unexpected recorded call ${call.type}`);
        }
        const sent = master.requests.slice(before);
        assert.equal(sent.length, 1, `${call.type}: one request`);
        const req = sent[0] as SeenRequest;
        assert.equal(req.method, line.method);
        assert.equal(req.path, line.path);
        assert.deepEqual(sentHeaderNames(req), recordedHeaderNames(line), `${call.type}: header set`);
        assert.equal(req.headers['content-type'], header(line, 'content-type'));
        assert.equal(req.headers['mesos-stream-id'], recordedStreamId);
        assert.equal(req.headers['content-length'], String(header(line, 'content-length')), `${call.type}: byte length`);
        assert.equal(req.body.length, Number(header(line, 'content-length')));
        assert.deepEqual(req.call, call, `${call.type}: body`);
        assert.equal(req.status, 202);
      }
    });

    it('acknowledges exactly the updates that carry a uuid, echoing it unchanged', async function () {
      const results: boolean[] = [];
      for (const status of updates) results.push(await client.acknowledge(status));
      assert.deepEqual(results, updates.map((s) => typeof s.uuid === 'string'));
      assert.ok(results.includes(false), 'the recording holds master-generated updates without uuid');
      const acks = master.calls('ACKNOWLEDGE');
      const recordedAcks = recordedRequests.filter((l) => (l.body as Call).type === 'ACKNOWLEDGE');
      assert.equal(acks.length, recordedAcks.length);
      const key = (c: Call | undefined): string => JSON.stringify(c);
      assert.deepEqual(acks.map((a) => key(a.call)).sort(), recordedAcks.map((l) => key(normaliseRecorded(l.body) as Call)).sort());
      for (const [i, ack] of acks.entries()) {
        const line = recordedAcks[i] as RecordedLine;
        assert.deepEqual(sentHeaderNames(ack), recordedHeaderNames(line));
        assert.equal(ack.headers['content-length'], String(header(line, 'content-length')));
      }
    });

    it('never sends a Content-Type the master would answer 415 (or 400) to', function () {
      for (const req of master.requests) {
        assert.ok(req.headers['content-type'] === 'application/json' || req.headers['content-type'] === 'application/x-protobuf');
        assert.notEqual(req.status, 415);
        assert.notEqual(req.status, 400);
      }
    });
  });
}
