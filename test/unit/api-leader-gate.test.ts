// The leader gate of the API: an elected instance still taking over (loading the state, starting
// its scheduler) neither serves a request against a model about to be replaced nor forwards it to
// itself; it waits for the takeover, bounded, and answers 503 when it does not finish.
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { ApiContext, Leadership } from '../../src/server/api/context';
import { buildApiServer } from '../../src/server/api/server';
import { EventBus } from '../../src/runtime/event-bus';
import { LaunchQueue } from '../../src/core/scheduler/launch-queue';
import { Repository } from '../../src/runtime/repository';
import { MemoryStore } from '../../src/state/memory-store';

function context(leadership: Leadership, forwarded: string[]): ApiContext {
  const ctx = {
    repo: new Repository(new MemoryStore()), bus: new EventBus(), queue: new LaunchQueue(), leadership,
    runner: { active: () => [] }, metrics: new Registry(), agentLink: null, now: () => 0,
    forward: async (_req: unknown, reply: { code(n: number): { send(b: unknown): void } }, leader: string) => { forwarded.push(leader); reply.code(299).send({ leader }); return true; },
    info: {},
  };
  return ctx as unknown as ApiContext;
}

describe('api leader gate', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => { await app?.close(); app = undefined; });

  it('waits for a takeover in progress, then serves the request locally', async () => {
    let ready = false;
    const asked: number[] = [];
    const forwarded: string[] = [];
    app = await buildApiServer(context({
      isLeader: () => true, leader: () => 'me:1', abdicate: async () => undefined,
      takenOver: async (timeoutMs) => { asked.push(timeoutMs); await Promise.resolve(); ready = true; return true; },
    }, forwarded));
    const res = await app.inject({ method: 'GET', url: '/v2/deployments' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), []);
    assert.equal(ready, true);
    assert.equal(asked.length, 1);
    assert.ok(asked[0] > 0 && asked[0] <= 10_000, `bounded wait: ${asked[0]} ms`);
    assert.deepEqual(forwarded, [], 'never forwarded to itself');
  });

  it('a takeover that does not finish in time: 503 "taking over", not forwarded to itself', async () => {
    const forwarded: string[] = [];
    app = await buildApiServer(context({
      isLeader: () => true, leader: () => 'me:1', abdicate: async () => undefined, takenOver: async () => false,
    }, forwarded));
    const res = await app.inject({ method: 'POST', url: '/v2/apps', payload: { id: '/a', cmd: 'sleep 1' } });
    assert.equal(res.statusCode, 503, res.body);
    assert.deepEqual(JSON.parse(res.body), { message: 'The leader is taking over; try again' });
    assert.deepEqual(forwarded, []);
  });

  it('leadership lost while waiting: the request goes to the new leader', async () => {
    let leading = true;
    const forwarded: string[] = [];
    app = await buildApiServer(context({
      isLeader: () => leading, leader: () => (leading ? 'me:1' : 'other:2'), abdicate: async () => undefined,
      takenOver: async () => { leading = false; return false; },
    }, forwarded));
    const res = await app.inject({ method: 'GET', url: '/v2/deployments' });
    assert.equal(res.statusCode, 299, res.body);
    assert.deepEqual(forwarded, ['other:2']);
  });

  it('/ping and /v2/leader do not wait for a takeover', async () => {
    let asked = 0;
    app = await buildApiServer(context({
      isLeader: () => true, leader: () => 'me:1', abdicate: async () => undefined, takenOver: async () => { asked++; return false; },
    }, []));
    assert.equal((await app.inject({ method: 'GET', url: '/ping' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/v2/leader' })).statusCode, 200);
    assert.equal(asked, 0);
  });
});
