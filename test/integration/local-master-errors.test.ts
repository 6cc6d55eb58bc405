// Every refusal of the scheduler endpoint, with exact status codes and plain-text bodies: the
// probes recorded against a real Mesos 1.11 master are replayed (with this master's ids), then
// the cases the recordings do not cover.
import assert from 'node:assert/strict';
import http from 'node:http';
import { encodeCall, type Encoding } from '../../src/mesos/codec';
import type { Call } from '../../src/mesos/types';
import { call, rawPost, readRecording, startMaster, subscribe, waitFor, type StartedMaster } from './local-master-harness';

interface Line {
  dir?: string;
  probe?: string;
  status?: number;
  headers?: Record<string, string | number>;
  body?: unknown;
  event?: { type: string; subscribed?: { framework_id: { value: string } } };
}

describe('local master: scheduler endpoint refusals', function () {
  let m: StartedMaster;

  before(async () => {
    m = await startMaster({ heartbeatIntervalSeconds: 5 }, 1);
  });

  after(async () => {
    await m.master.close();
  });

  for (const name of ['lifecycle-json', 'lifecycle-protobuf', 'resubscribe-json', 'resubscribe-protobuf']) {
    it(`answers the probes recorded in ${name} exactly`, async function () {
      const lines = readRecording(name) as Line[];
      const recordedFw = lines.find((l) => l.event?.type === 'SUBSCRIBED')?.event?.subscribed?.framework_id.value ?? '';
      const recordedStream = String(lines.find((l) => l.dir === 'response' && l.headers?.['mesos-stream-id'])?.headers?.['mesos-stream-id'] ?? '');
      const encoding: Encoding = name.endsWith('protobuf') ? 'protobuf' : 'json';
      const stream = await subscribe(m.port, `replay-${name}`, { encoding, extra: { failover_timeout: 60 } });
      const ours = (s: string): string => s.split(recordedFw).join(stream.frameworkId).split(recordedStream).join(stream.streamId);
      let replayed = 0;
      try {
        for (let i = 0; i < lines.length; i++) {
          const req = lines[i];
          if (req?.dir !== 'request' || req.probe === undefined) continue;
          const res = lines.slice(i + 1).find((l) => l.dir === 'response' && l.probe === req.probe);
          assert.ok(res, `response of probe ${req.probe}`);
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers ?? {})) if (k !== 'Content-Length') headers[k] = ours(String(v));
          let body: Buffer;
          if (typeof req.body === 'string') body = Buffer.from(ours(req.body));
          else if (req.body !== null && typeof req.body === 'object' && (req.body as { type?: string }).type === 'Buffer') body = Buffer.from((req.body as { data: number[] }).data);
          else body = encodeCall(JSON.parse(ours(JSON.stringify(req.body))) as Call, headers['Content-Type'] === 'application/x-protobuf' ? 'protobuf' : 'json');
          const reply = await rawPost(m.port, headers, body, (req as { method?: string }).method ?? 'POST');
          assert.equal(reply.status, res.status, `status of probe "${req.probe}"`);
          assert.equal(reply.body, ours(String(res.body ?? '')), `body of probe "${req.probe}"`);
          assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
          replayed++;
        }
      } finally {
        stream.close();
      }
      assert.ok(replayed >= 1, 'the recording holds probes');
    });
  }

  it('refuses a missing Content-Type with 400', async () => {
    const reply = await rawPost(m.port, {}, '{"type":"SUBSCRIBE"}');
    assert.equal(reply.status, 400);
    assert.equal(reply.body, "Expecting 'Content-Type' to be present");
  });

  it('refuses a SUBSCRIBE whose Accept allows neither JSON nor protobuf with 406', async () => {
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'x' } } });
    const reply = await rawPost(m.port, { 'Content-Type': 'application/json', Accept: 'text/html' }, body);
    assert.equal(reply.status, 406);
    assert.equal(reply.body, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  });

  it('echoes the negotiated type: JSON for */*, protobuf when only protobuf is acceptable', async () => {
    const body = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'x' } } });
    for (const [accept, expected] of [['*/*', 'application/json'], ['application/x-protobuf', 'application/x-protobuf'], ['application/json;q=0, application/x-protobuf', 'application/x-protobuf']] as const) {
      const reply = await new Promise<{ status: number; type: string | undefined; stream: string | undefined; chunked: string | undefined }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: m.port, method: 'POST', path: '/api/v1/scheduler', agent: false,
          headers: { 'Content-Type': 'application/json', Accept: accept } }, (res) => {
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], stream: res.headers['mesos-stream-id'] as string | undefined, chunked: res.headers['transfer-encoding'] });
          req.destroy();
        });
        req.on('error', reject);
        req.end(body);
      });
      assert.equal(reply.status, 200, accept);
      assert.equal(reply.type, expected, accept);
      assert.equal(reply.chunked, 'chunked');
      assert.match(reply.stream ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });

  it('refuses an undecodable protobuf body with 400', async () => {
    const reply = await rawPost(m.port, { 'Content-Type': 'application/x-protobuf' }, Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(reply.status, 400);
    assert.equal(reply.body, 'Failed to parse body into Call protobuf');
  });

  it('refuses a call without framework_id and one missing required fields with 400', async () => {
    const a = await rawPost(m.port, { 'Content-Type': 'application/json' }, '{"type":"REVIVE"}');
    assert.equal(a.status, 400);
    assert.equal(a.body, "Failed to validate scheduler::Call: Expecting 'framework_id' to be present");
    const b = await rawPost(m.port, { 'Content-Type': 'application/json' }, '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root"}}}');
    assert.equal(b.status, 400);
    assert.equal(b.body, 'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.name');
  });

  it('answers 202 with an empty body to a valid call and 501 to UNKNOWN', async () => {
    const stream = await subscribe(m.port, 'calls');
    try {
      const ok = await stream.send(m.port, { type: 'REVIVE', revive: {} });
      assert.equal(ok.status, 202);
      assert.equal(ok.body, '');
      const unknown = await stream.send(m.port, { type: 'UNKNOWN' });
      assert.equal(unknown.status, 501);
    } finally {
      stream.close();
    }
  });

  it('answers 403 to calls of a framework that is known but disconnected', async () => {
    const stream = await subscribe(m.port, 'dropper', { extra: { failover_timeout: 60 } });
    const frameworkId = stream.frameworkId;
    const streamId = stream.streamId;
    stream.close();
    await waitFor(() => m.master.state().frameworks.find((f) => f.id === frameworkId)?.connected === false, 'disconnect');
    const reply = await call(m.port, { type: 'REVIVE', framework_id: { value: frameworkId }, revive: {} }, streamId);
    assert.equal(reply.status, 403);
    assert.equal(reply.body, 'Framework is not subscribed');
  });
});

describe('local master: leadership', function () {
  let m: StartedMaster;

  before(async () => {
    m = await startMaster({ leader: '127.0.0.1:5999' }, 1);
  });

  after(async () => {
    await m.master.close();
  });

  it('redirects every scheduler call to the leader with a protocol-relative 307', async () => {
    const sub = await rawPost(m.port, { 'Content-Type': 'application/json' }, '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"x"}}}');
    assert.equal(sub.status, 307);
    assert.equal(sub.headers.location, '//127.0.0.1:5999/api/v1/scheduler');
    const get = await rawPost(m.port, {}, '', 'GET');
    assert.equal(get.status, 307);
  });

  it('answers 503 "No leader elected" when no leader is known, and serves again once leading', async () => {
    m.master.setLeader(null);
    const reply = await rawPost(m.port, { 'Content-Type': 'application/json' }, '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"x"}}}');
    assert.equal(reply.status, 503);
    assert.equal(reply.body, 'No leader elected');
    m.master.setLeader(undefined);
    const stream = await subscribe(m.port, 'leading');
    stream.close();
  });
});
