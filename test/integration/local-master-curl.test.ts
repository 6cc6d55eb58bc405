// The acceptance probe: a plain curl SUBSCRIBE against a local master with three agents prints
// SUBSCRIBED, then OFFERS covering the three agents, then HEARTBEATs — in JSON, and in protobuf
// when curl asks for it, decoded with the protos in proto/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { decodeEvent, type Encoding } from '../../src/mesos/codec';
import { RecordIODecoder } from '../../src/mesos/recordio';
import type { Event } from '../../src/mesos/types';
import { startMaster, type StartedMaster } from './local-master-harness';

const SUBSCRIBE = '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"probe"}}}';

/** Runs curl until it has printed SUBSCRIBED, OFFERS and two HEARTBEATs after them, then stops it. */
function curlEvents(port: number, accept: string | undefined, encoding: Encoding): Promise<{ events: Event[]; raw: Buffer }> {
  const args = ['-sN', '-H', 'Content-Type: application/json'];
  if (accept !== undefined) args.push('-H', `Accept: ${accept}`);
  args.push('-d', SUBSCRIBE, `127.0.0.1:${port}/api/v1/scheduler`);
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const decoder = new RecordIODecoder();
    const events: Event[] = [];
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      child.kill('SIGTERM');
      if (err) reject(err);
      else resolve({ events, raw: Buffer.concat(chunks) });
    };
    const guard = setTimeout(() => finish(new Error(`curl did not print the expected events; got ${events.map((e) => e.type).join(',')}`)), 15000);
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      try {
        for (const rec of decoder.push(chunk)) events.push(decodeEvent(rec, encoding));
      } catch (err) {
        finish(err as Error);
        return;
      }
      const offersAt = events.findIndex((e) => e.type === 'OFFERS');
      if (offersAt >= 0 && events.slice(offersAt).filter((e) => e.type === 'HEARTBEAT').length >= 2) finish();
    });
    child.on('error', (err) => finish(err));
    child.on('exit', () => finish(new Error(`curl exited early; got ${events.map((e) => e.type).join(',')}`)));
  });
}

describe('local master: curl SUBSCRIBE probe', function () {
  let m: StartedMaster;

  before(async () => {
    m = await startMaster({ heartbeatIntervalSeconds: 0.2 }, 3);
  });

  after(async () => {
    await m.master.close();
  });

  function checkSequence(events: Event[]): void {
    assert.equal(events[0]?.type, 'SUBSCRIBED');
    assert.equal(events[1]?.type, 'HEARTBEAT', 'a HEARTBEAT follows SUBSCRIBED immediately');
    const offers = events.find((e) => e.type === 'OFFERS');
    assert.ok(offers?.offers?.offers);
    const agentIds = new Set(offers.offers.offers.map((o) => o.agent_id.value));
    const snapshotAgents = m.master.state().agents.map((a) => a.id);
    assert.deepEqual([...agentIds].sort(), [...snapshotAgents].sort(), 'one offer per agent');
    for (const offer of offers.offers.offers) {
      const names = (offer.resources ?? []).map((r) => r.name);
      assert.deepEqual(names, ['ports', 'cpus', 'mem', 'disk']);
      const cpus = offer.resources?.find((r) => r.name === 'cpus');
      assert.equal(cpus?.scalar?.value, 2);
      const ports = offer.resources?.find((r) => r.name === 'ports');
      assert.deepEqual(ports?.ranges?.range, [{ begin: 31000, end: 32000 }]);
      assert.equal(offer.allocation_info, undefined, 'not MULTI_ROLE: no allocation_info');
    }
    const sub = events[0]?.subscribed;
    assert.match(sub?.framework_id.value ?? '', new RegExp(`^${m.master.id}-\\d{4}$`));
    assert.equal(sub?.heartbeat_interval_seconds, 0.2);
    assert.equal(sub?.master_info?.ip, 16777343);
    assert.equal(sub?.master_info?.port, m.port);
    assert.equal(sub?.master_info?.version, '1.11.0');
  }

  it('prints SUBSCRIBED, OFFERS for 3 agents, then HEARTBEATs as JSON RecordIO', async () => {
    const { events, raw } = await curlEvents(m.port, undefined, 'json');
    checkSequence(events);
    // The first record is "<bytes>\n{json}" with an exact byte count.
    const nl = raw.indexOf(10);
    const len = Number(raw.subarray(0, nl).toString());
    assert.equal(JSON.parse(raw.subarray(nl + 1, nl + 1 + len).toString()).type, 'SUBSCRIBED');
    assert.ok(raw.includes(Buffer.from('20\n{"type":"HEARTBEAT"}')));
  });

  it('serves GET /master/state (agents, frameworks) and GET /health', async () => {
    const get = (path: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: m.port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      }).on('error', reject);
    });
    const health = await get('/health');
    assert.equal(health.status, 200);
    const state = await get('/master/state');
    assert.equal(state.status, 200);
    const view = JSON.parse(state.body) as { id: string; version: string; slaves: Array<{ id: string; resources: { cpus: number } }>; completed_frameworks: Array<{ name: string }> };
    assert.equal(view.id, m.master.id);
    assert.equal(view.version, '1.11.0');
    assert.equal(view.slaves.length, 3);
    assert.equal(view.slaves[0]?.resources.cpus, 2);
    assert.ok(view.completed_frameworks.some((f) => f.name === 'probe'), 'the curl framework (failover_timeout 0) was removed when curl stopped');
  });

  it('streams protobuf when Accept asks for application/x-protobuf', async () => {
    const { events } = await curlEvents(m.port, 'application/x-protobuf', 'protobuf');
    checkSequence(events);
  });
});
