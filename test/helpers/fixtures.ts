// Where the test data lives: in the repository (test/fixtures/…), so a clone with nothing beside
// it runs every test.
import fs from 'node:fs';
import path from 'node:path';

export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'marathon-vnet') return dir;
    dir = path.dirname(dir);
  }
  throw new Error('marathon-vnet repository root not found');
}

/** The recorded traffic of a real Mesos 1.11 master and agent (test/fixtures/mesos-1.11/README.md). */
export function mesosFixturesDir(): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'mesos-1.11');
}

/** What the Mesos network/cni isolator passed to the plugin (one JSON file per invocation). */
export function cniPluginInputDir(): string {
  return path.join(mesosFixturesDir(), 'cni-plugin-input');
}

/** The independent libcni client (test/tools/cni-harness), built into dist by `npm test`. */
export function cniHarnessPath(): string {
  return path.join(repoRoot(), 'dist', 'tools', 'cni-harness');
}
