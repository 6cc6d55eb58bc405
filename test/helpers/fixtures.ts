// Where the shared contract material lives: CI clones the repo with shared/ beside it, so the
// recordings are at <repo>/../shared/fixtures/mesos-1.11 unless MVN_MESOS_FIXTURES says otherwise.
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

export function sharedDir(): string {
  return process.env.MVN_SHARED_DIR ?? path.resolve(repoRoot(), '..', 'shared');
}

export function mesosFixturesDir(): string {
  const candidates = [process.env.MVN_MESOS_FIXTURES, path.join(sharedDir(), 'fixtures', 'mesos-1.11')];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'lifecycle-json.jsonl'))) return c;
  throw new Error(`Mesos 1.11 recordings not found (set MVN_MESOS_FIXTURES); looked in ${candidates.filter(Boolean).join(', ')}`);
}
