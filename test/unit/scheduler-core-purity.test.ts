// The scheduler's pure core imports no I/O: only types, and other core modules.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const CORE = [
  'src/scheduler/instance.ts', 'src/scheduler/instance-update.ts', 'src/scheduler/unknown-task-killer.ts', 'src/scheduler/reconcile.ts',
  'src/deploy/restart.ts', 'src/deploy/kill-selection.ts', 'src/scheduler/health.ts', 'src/scheduler/instance-ops.ts',
];
const CORE_RELATIVE = new Set(['./instance', '../scheduler/instance', './kill-selection', '../deploy/kill-selection', '../deploy/restart', './health']);

describe('scheduler core purity', () => {
  for (const file of CORE) {
    it(`${file} imports only types and core modules, and uses no timers or clock`, () => {
      const src = fs.readFileSync(path.join(root, file), 'utf8');
      for (const m of src.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)';/gms)) {
        const typeOnly = m[1] !== undefined;
        const spec = m[2] ?? '';
        assert.ok(typeOnly || CORE_RELATIVE.has(spec), `${file} imports ${spec} for values`);
        assert.ok(!spec.startsWith('node:') && !/^(fs|net|http|child_process)$/.test(spec), `${file} imports ${spec}`);
      }
      assert.doesNotMatch(src, /\b(setTimeout|setInterval|setImmediate|Date\.now|performance\.now|process\.)/, `${file} reads time or the process`);
    });
  }
});
