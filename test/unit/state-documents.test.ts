import assert from 'node:assert/strict';
import { DocChange, DocTree, JsonDocTree, jsonEqual, planTransaction, readApps, readClaims } from '../../src/state/documents';
import { AddressHeldError, StoreOp } from '../../src/state/store';
import { SingleLeader } from '../../src/state/leader-election';

function plan(tree: DocTree, ops: StoreOp[], maxVersions = 50): DocChange[] {
  return planTransaction(tree, ops, { maxVersions });
}

describe('state: transaction planning (pure)', () => {
  it('putApp writes the version and the meta; pruning deletes the oldest version', () => {
    const tree = new DocTree();
    tree.apply(plan(tree, [{ op: 'putApp', id: '/a', version: 'v1', definition: 1 }], 2));
    tree.apply(plan(tree, [{ op: 'putApp', id: '/a', version: 'v2', definition: 2 }], 2));
    const changes = plan(tree, [{ op: 'putApp', id: '/a', version: 'v3', definition: 3 }], 2);
    assert.deepEqual(changes, [
      { key: ['apps', '/a', 'v1'], value: undefined },
      { key: ['apps', '/a'], value: { id: '/a', versions: ['v2', 'v3'] } },
      { key: ['apps', '/a', 'v3'], value: 3 },
    ]);
  });

  it('drops changes that restore the base value (no write for a no-op)', () => {
    const tree = new DocTree();
    tree.apply(plan(tree, [{ op: 'putInstance', appId: '/a', instanceId: 'i', data: { x: 1 } }]));
    assert.deepEqual(plan(tree, [{ op: 'putInstance', appId: '/a', instanceId: 'i', data: { x: 1 } }]), []);
    assert.deepEqual(plan(tree, [{ op: 'deleteDeployment', id: 'nope' }]), []);
    assert.deepEqual(
      plan(tree, [
        { op: 'putDeployment', id: 'd', data: 1 },
        { op: 'deleteDeployment', id: 'd' },
      ]),
      [],
    );
    assert.deepEqual(plan(tree, [{ op: 'claimAddress', network: 'n', address: 'a', holder: 'h' }, { op: 'claimAddress', network: 'n', address: 'a', holder: 'h' }]).length, 1);
  });

  it('a claim held by another holder fails the whole plan, even after other ops', () => {
    const tree = new DocTree();
    tree.apply(plan(tree, [{ op: 'claimAddress', network: 'n', address: '10.0.0.1', holder: { i: 1 } }]));
    assert.throws(
      () =>
        plan(tree, [
          { op: 'putInstance', appId: '/a', instanceId: 'i2', data: {} },
          { op: 'claimAddress', network: 'n', address: '10.0.0.1', holder: { i: 2 } },
        ]),
      (err) => err instanceof AddressHeldError && jsonEqual(err.holder, { i: 1 }),
    );
    // Releasing first within the same transaction makes the claim possible.
    const ok = plan(tree, [
      { op: 'releaseAddress', network: 'n', address: '10.0.0.1' },
      { op: 'claimAddress', network: 'n', address: '10.0.0.1', holder: { i: 2 } },
    ]);
    assert.deepEqual(ok, [{ key: ['ipam', 'n', '10.0.0.1'], value: { holder: { i: 2 } } }]);
  });

  it('compares JSON deeply, independent of key order', () => {
    assert.equal(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }), true);
    assert.equal(jsonEqual({ a: 1 }, { a: 1, b: undefined as unknown as null }), false);
    assert.equal(jsonEqual([1, 2], [2, 1]), false);
    assert.equal(jsonEqual(null, {}), false);
  });

  it('DocTree drops containers that lose their last document', () => {
    const tree = new DocTree();
    tree.set(['ipam', 'n', 'a'], { holder: 1 });
    assert.deepEqual(readClaims(tree), [{ network: 'n', address: 'a', holder: 1 }]);
    tree.set(['ipam', 'n', 'a'], undefined);
    assert.deepEqual(tree.children(['ipam']), []);
    assert.deepEqual(readApps(tree), []);
  });

  it('JsonDocTree keeps text: every read is a copy of its own, no-ops are dropped, containers go with their last document', () => {
    const tree = new JsonDocTree();
    const data = { x: 1, list: [{ y: 'a' }] };
    tree.apply(planTransaction(tree, [{ op: 'putInstance', appId: '/a', instanceId: 'i', data }], { maxVersions: 50 }));
    data.list[0].y = 'changed by the writer';
    const read = tree.get(['instances', '/a', 'i']) as { list: Array<{ y: string }> };
    assert.deepEqual(read, { x: 1, list: [{ y: 'a' }] }, 'the writer changing its object later changes nothing stored');
    read.list[0].y = 'changed by a reader';
    assert.deepEqual(tree.get(['instances', '/a', 'i']), { x: 1, list: [{ y: 'a' }] });
    assert.deepEqual(planTransaction(tree, [{ op: 'putInstance', appId: '/a', instanceId: 'i', data: { x: 1, list: [{ y: 'a' }] } }], { maxVersions: 50 }), []);
    assert.equal(planTransaction(tree, [{ op: 'putInstance', appId: '/a', instanceId: 'i', data: { x: 2, list: [] } }], { maxVersions: 50 }).length, 1);
    tree.apply(planTransaction(tree, [{ op: 'deleteInstance', appId: '/a', instanceId: 'i' }], { maxVersions: 50 }));
    assert.deepEqual(tree.children(['instances']), []);
    assert.equal(tree.get(['instances', '/a', 'i']), undefined);
  });
});

describe('state: SingleLeader (no HA)', () => {
  it('is leader once started, abdicates and comes back, and is defeated on close', async () => {
    const leader = new SingleLeader('127.0.0.1:8080', 10);
    const events: string[] = [];
    leader.on('elected', () => events.push('elected'));
    leader.on('defeated', (r: string) => events.push(`defeated:${r}`));
    leader.on('leader-changed', (l: string | null) => events.push(`leader:${l}`));
    assert.equal(leader.isLeader, false);
    await leader.start();
    assert.equal(leader.isLeader, true);
    assert.equal(leader.currentLeader(), '127.0.0.1:8080');
    await leader.abdicate();
    assert.equal(leader.isLeader, false);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(leader.isLeader, true);
    await leader.close();
    assert.deepEqual(events, [
      'leader:127.0.0.1:8080',
      'elected',
      'defeated:abdicated',
      'leader:null',
      'leader:127.0.0.1:8080',
      'elected',
      'defeated:closed',
    ]);
  });
});
