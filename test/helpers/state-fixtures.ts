// test/fixtures/state-v1: the state release 0.1.0 wrote (file store and ZooKeeper), and what a
// repository loaded from it must hold.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StateStore } from '../../src/state/store';
import { Repository } from '../../src/runtime/repository';

export const STATE_V1 = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'state-v1');

/** A writable copy of the file-store fixture under `dir`. */
export function copyFileFixture(dir: string): string {
  const target = path.join(dir, 'state');
  fs.cpSync(path.join(STATE_V1, 'file'), target, { recursive: true });
  return target;
}

/** ZooKeeper fixture: node path (below the chroot) → data (base64; null for none), parents first. */
export function zkFixture(): Array<[string, Buffer | null]> {
  const tree = JSON.parse(fs.readFileSync(path.join(STATE_V1, 'zk.json'), 'utf8')) as Record<string, string | null>;
  return Object.entries(tree).filter(([p]) => p !== '/').map(([p, d]) => [p, d === null ? null : Buffer.from(d, 'base64')]);
}

/** Loads the store into a repository and checks what 0.1.0 had stored: two apps, their instances, a deployment, two claims. */
export async function assertV1Contents(store: StateStore): Promise<void> {
  const repo = new Repository(store);
  await repo.load();
  assert.match(repo.frameworkId ?? '', /^[0-9a-f-]{36}-\d{4}$/);
  assert.deepEqual([...repo.apps.keys()].sort(), ['/batch/worker', '/web']);
  const web = repo.apps.get('/web');
  assert.equal(web?.app.instances, 2);
  assert.equal(web?.app.container?.networkInterfaces?.[1]?.ipRange, '192.168.0.100-192.168.0.120');
  const instances = [...repo.instances.values()];
  assert.equal(instances.filter((i) => i.appId === '/web').length, 2);
  assert.ok(instances.filter((i) => i.appId === '/batch/worker').length >= 1);
  assert.ok(instances.every((i) => typeof i.instanceId === 'string' && Number.isInteger(i.slot)));
  assert.equal(repo.deployments.size, 1);
  assert.deepEqual([...repo.deployments.values()][0]?.plan.affectedApps, ['/batch/worker']);
  assert.deepEqual([...repo.claims.values()].map((c) => c.address).sort(), ['192.168.0.100', '192.168.0.101']);
}
