// The acceptance probe: a plain curl SUBSCRIBE against a local master with three agents prints
// SUBSCRIBED, then OFFERS covering the three agents, then HEARTBEATs — in JSON, and in protobuf
// when curl asks for it, decoded with the protos in proto/.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Event } from '../../src/mesos/types';
import { curlSubscribe, startMaster, waitFor, type StartedMaster } from './local-master-harness';

describe('local master: curl SUBSCRIBE probe', function () {
  let m: StartedMaster;
  /** the framework the JSON curl run registered; curl has exited when it is set */
  let curlFrameworkId: string | undefined;

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
    const { events, raw } = await curlSubscribe(m.port, undefined, 'json', (seen) => {
      const id = seen[0]?.subscribed?.framework_id.value;
      const fw = m.master.state().frameworks.find((f) => f.id === id);
      assert.equal(fw?.connected, true, 'the curl framework is connected while curl runs');
      assert.equal(fw?.failoverTimeoutSeconds, 0);
    });
    checkSequence(events);
    curlFrameworkId = events[0]?.subscribed?.framework_id.value;
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
    // curl has exited (curlSubscribe waits for that), but the master learns of the closed socket
    // and fires the 0 s failover timer asynchronously: wait for the removal, then read the endpoint.
    const id = curlFrameworkId;
    assert.ok(id, 'the JSON probe ran first');
    await waitFor(() => m.master.state().completedFrameworks.some((f) => f.id === id), 'the curl framework to be removed after curl exited');
    assert.ok(!m.master.state().frameworks.some((f) => f.id === id), 'no longer an active framework');
    const health = await get('/health');
    assert.equal(health.status, 200);
    const state = await get('/master/state');
    assert.equal(state.status, 200);
    const view = JSON.parse(state.body) as {
      id: string; version: string; slaves: Array<{ id: string; resources: { cpus: number } }>;
      frameworks: Array<{ id: string }>; completed_frameworks: Array<{ id: string; name: string }>;
    };
    assert.equal(view.id, m.master.id);
    assert.equal(view.version, '1.11.0');
    assert.equal(view.slaves.length, 3);
    assert.equal(view.slaves[0]?.resources.cpus, 2);
    assert.deepEqual(view.completed_frameworks.filter((f) => f.id === id).map((f) => f.name), ['probe'],
      'the curl framework (failover_timeout 0) was removed when curl stopped');
    assert.ok(!view.frameworks.some((f) => f.id === id));
  });

  it('streams protobuf when Accept asks for application/x-protobuf', async () => {
    const { events } = await curlSubscribe(m.port, 'application/x-protobuf', 'protobuf');
    checkSequence(events);
  });
});
