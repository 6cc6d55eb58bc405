// src/state/zk-session.ts reaches into node-zookeeper-client's private connection manager: the
// dependency is pinned to the exact version those internals were read from, and that is the one
// installed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PINNED = '1.1.3';

describe('state: node-zookeeper-client pin', () => {
  it(`package.json, the lockfile and node_modules all say ${PINNED}`, () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(pkg.dependencies['node-zookeeper-client'], PINNED);
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; dependencies?: Record<string, string> }> };
    assert.equal(lock.packages['']?.dependencies?.['node-zookeeper-client'], PINNED);
    assert.equal(lock.packages['node_modules/node-zookeeper-client']?.version, PINNED);
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'node-zookeeper-client', 'package.json'), 'utf8')) as { version: string };
    assert.equal(installed.version, PINNED);
  });

  it('the internals zk-session uses are still there', () => {
    const cm = require(path.join(ROOT, 'node_modules', 'node-zookeeper-client', 'lib', 'ConnectionManager.js')) as { prototype: Record<string, unknown>; STATES: Record<string, number> };
    for (const name of ['connect', 'findNextServer', 'onSocketConnected', 'setState', 'cleanupPendingQueue']) {
      assert.equal(typeof cm.prototype[name], 'function', name);
    }
    assert.equal(cm.STATES.CLOSED, -2);
  });
});
