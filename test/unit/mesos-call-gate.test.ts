// The call gate: at most `limit` holders, the rest served in request order; a withdrawn waiter
// never gets a place and does not block the ones behind it.
import assert from 'node:assert/strict';
import { CallGate } from '../../src/mesos/call-gate';

describe('call gate', function () {
  it('grants at most limit places, in request order, and withdraws aborted waiters', async function () {
    const gate = new CallGate(2);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const aborts = new Map<string, (err: Error) => void>();
    const want = (name: string): Promise<void> => gate.acquire((abort) => { aborts.set(name, abort); return () => aborts.delete(name); })
      .then((release) => { order.push(name); releases.set(name, release); }, (err: Error) => { order.push(`${name}:${err.message}`); });
    const all = ['a', 'b', 'c', 'd', 'e'].map(want);
    await Promise.resolve(); await Promise.resolve();
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(gate.running, 2);
    assert.equal(gate.queued, 3);
    aborts.get('c')?.(new Error('stopped'));
    await Promise.resolve();
    releases.get('a')?.();
    releases.get('a')?.(); // a second release does nothing
    await Promise.resolve(); await Promise.resolve();
    assert.deepEqual(order, ['a', 'b', 'c:stopped', 'd']);
    assert.equal(gate.running, 2);
    assert.equal(aborts.has('d'), false, 'a granted waiter is untracked');
    releases.get('b')?.();
    releases.get('d')?.();
    await Promise.all(all);
    assert.deepEqual(order, ['a', 'b', 'c:stopped', 'd', 'e']);
    releases.get('e')?.();
    assert.equal(gate.running, 0);
    assert.equal(gate.queued, 0);
  });

  it('keeps order and the limit over many waiters (the queue is compacted, never shifted)', async function () {
    const gate = new CallGate(3);
    let holding = 0;
    let most = 0;
    const served: number[] = [];
    await Promise.all(Array.from({ length: 5000 }, (_, n) => gate.acquire().then(async (release) => {
      holding++;
      most = Math.max(most, holding);
      served.push(n);
      await Promise.resolve();
      holding--;
      release();
    })));
    assert.equal(most, 3);
    assert.deepEqual(served, Array.from({ length: 5000 }, (_, n) => n));
  });

  it('serves a background request only while no other waits, each lane in request order', async function () {
    const gate = new CallGate(1);
    const order: string[] = [];
    const releases = new Map<string, () => void>();
    const want = (name: string, background: boolean): Promise<void> => gate.acquire(undefined, background)
      .then((release) => { order.push(name); releases.set(name, release); });
    const all = [want('a', false), want('ack1', true), want('ack2', true), want('accept', false), want('ack3', true)];
    await Promise.resolve(); await Promise.resolve();
    assert.deepEqual(order, ['a']);
    assert.equal(gate.queued, 4);
    for (const name of ['a', 'accept', 'ack1', 'ack2']) {
      releases.get(name)?.();
      await Promise.resolve(); await Promise.resolve();
    }
    await Promise.all(all);
    assert.deepEqual(order, ['a', 'accept', 'ack1', 'ack2', 'ack3'], 'the ACCEPT went ahead of the ACKs queued before it');
    releases.get('ack3')?.();
    assert.equal(gate.running, 0);
    assert.equal(gate.queued, 0);
  });
});
