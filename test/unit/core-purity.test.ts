// Every module of the pure core (src/core) imports values only from the core and src/lib's pure
// modules, and reads no time, timers or process state: time comes in as an argument.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const CORE_DIR = path.join(root, 'src', 'core');
// `schema` (TypeBox + Ajv: schemas and checks in memory) is pure on purpose: the core reads app JSON through it.
const PURE_LIB = new Set(['ipv4', 'mac', 'log', 'clock', 'schema'].map((m) => path.join(root, 'src', 'lib', m)));

function coreFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return coreFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('core purity (src/core)', () => {
  const files = coreFiles(CORE_DIR);
  it('covers the scheduler core, the plans, the app model and the network mapping', () => {
    const rel = files.map((f) => path.relative(CORE_DIR, f));
    for (const must of ['scheduler/reconcile.ts', 'scheduler/instance-update.ts', 'scheduler/instance-ops.ts', 'deploy/plan.ts', 'apps/normalize.ts', 'network/network-info.ts']) {
      assert.ok(rel.includes(must), `${must} is not in src/core`);
    }
  });
  for (const file of files) {
    const name = path.relative(root, file);
    it(`${name} imports values only from the core and pure src/lib, and reads no time or process state`, () => {
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)) {
        const typeOnly = m[1] !== undefined;
        const spec = m[2] ?? '';
        if (typeOnly) continue;
        assert.ok(!spec.startsWith('node:') && !/^(fs|net|http|https|child_process|dgram|dns)$/.test(spec), `${name} imports ${spec}`);
        const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : '';
        const inCore = target.startsWith(CORE_DIR + path.sep);
        assert.ok(inCore || PURE_LIB.has(target), `${name} imports ${spec} for values`);
      }
      assert.doesNotMatch(src, /\b(setTimeout|setInterval|setImmediate|Date\.now|performance\.now|process\.)/, `${name} reads time or the process`);
    });
  }
});
