// The dependency rules (.dependency-cruiser.cjs) hold on the real tree, and each one fails on a
// deliberately added upward import: a small fixture tree in a temporary directory, with the real
// folder names and one offending file per rule, is checked with the same configuration.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const CRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation { from: string; to: string; rule: { name: string; severity: string } }

function cruise(cwd: string): Violation[] {
  const r = spawnSync(process.execPath, [CRUISE, '--config', CONFIG, '--output-type', 'json', 'src', 'driver'], {
    cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000,
  });
  assert.ok(r.stdout.startsWith('{'), `depcruise gave no report (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
  const report = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

/** A fixture tree: each path → its source. */
function writeTree(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

const GOOD: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'ES2022', strict: true } }),
  'src/lib/ipv4.ts': 'export const ipv4 = 1;\n',
  'src/lib/process.ts': "import { spawn } from 'node:child_process';\nexport const run = spawn;\n",
  'src/core/apps/types.ts': "import { ipv4 } from '../../lib/ipv4';\nexport const app = ipv4;\n",
  'src/core/network/network-info.ts': "import { app } from '../apps/types';\nexport const info = app;\n",
  'src/core/scheduler/reconcile.ts': "import { info } from '../network/network-info';\nexport const plan = info;\n",
  'src/state/store.ts': "import * as fs from 'node:fs';\nexport const store = fs;\n",
  'src/runtime/scheduler.ts': "import { store } from '../state/store';\nimport { plan } from '../core/scheduler/reconcile';\nexport const s = [plan, store];\n",
  'src/server/errors.ts': 'export const err = 1;\n',
  'src/server/security/plugin.ts': "import { err } from '../errors';\nexport const sec = err;\n",
  'src/server/api/server.ts': "import { sec } from '../security/plugin';\nimport { s } from '../../runtime/scheduler';\nexport const api = [sec, s];\n",
  'src/sim/mesos/master.ts': "import { plan } from '../../core/scheduler/reconcile';\nexport const master = plan;\n",
  'src/local/run-local.ts': "import { master } from '../sim/mesos/master';\nexport const local = master;\n",
  'src/cli/serve.ts': "import { api } from '../server/api/server';\nimport { local } from '../local/run-local';\nexport const serve = [api, local];\n",
  'driver/cni/config.ts': "import { ipv4 } from '../../src/lib/ipv4';\nexport const conf = ipv4;\n",
  'driver/plumb/ip.ts': "import { run } from '../../src/lib/process';\nimport { conf } from '../cni/config';\nexport const ip = [run, conf];\n",
  'driver/core/attach.ts': "import { ip } from '../plumb/ip';\nexport const attach = ip;\n",
  'driver/commands/add.ts': "import { attach } from '../core/attach';\nexport const add = attach;\n",
};

/** One offending file per rule: rule name → [file, source]. */
const BAD: Record<string, [string, string]> = {
  'no-circular': ['src/lib/loop.ts', "import { x } from './loop2';\nexport const y = x;\n"],
  'driver-imports-only-lib': ['driver/core/reach.ts', "import { app } from '../../src/core/apps/types';\nexport const r = app;\n"],
  'lib-is-the-bottom': ['src/lib/up.ts', "import { app } from '../core/apps/types';\nexport const u = app;\n"],
  'core-imports-no-io': ['src/core/network/io.ts', "import * as net from 'node:net';\nexport const n = net;\n"],
  'core-imports-only-core': ['src/core/apps/uses-store.ts', "import { store } from '../../state/store';\nexport const u = store;\n"],
  'core-not-above-runtime': ['src/core/deploy/types-of-runtime.ts', "import type { s } from '../../runtime/scheduler';\nexport type A = typeof s;\n"],
  'apps-below-network': ['src/core/apps/up.ts', "import { info } from '../network/network-info';\nexport const u = info;\n"],
  'deploy-below-scheduler': ['src/core/deploy/up.ts', "import type { plan } from '../scheduler/reconcile';\nexport type U = typeof plan;\n"],
  'security-below-api': ['src/server/security/up.ts', "import { api } from '../api/server';\nexport const u = api;\n"],
  'runtime-below-server': ['src/runtime/up.ts', "import { err } from '../server/errors';\nexport const u = err;\n"],
  'production-needs-no-emulator': ['src/server/api/emulated.ts', "import { master } from '../../sim/mesos/master';\nexport const u = master;\n"],
  'cli-is-the-top': ['src/server/api/up.ts', "import { serve } from '../../cli/serve';\nexport const u = serve;\n"],
  'driver-cni-is-the-protocol-model': ['driver/cni/up.ts', "import { ip } from '../plumb/ip';\nexport const u = ip;\n"],
  'driver-plumbing-below-core': ['driver/plumb/up.ts', "import { attach } from '../core/attach';\nexport const u = attach;\n"],
  'driver-core-below-commands': ['driver/core/up.ts', "import { add } from '../commands/add';\nexport const u = add;\n"],
};

describe('layout: dependency rules (dependency-cruiser)', function () {
  this.timeout(240_000);
  let tmp = '';
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-layout-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the real tree keeps every rule', () => {
    assert.deepEqual(cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  it('a fixture tree with the same layers passes', () => {
    const dir = path.join(tmp, 'good');
    writeTree(dir, GOOD);
    assert.deepEqual(cruise(dir).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });

  it('each rule fails on a deliberately added upward import, naming the file', () => {
    const dir = path.join(tmp, 'bad');
    writeTree(dir, GOOD);
    writeTree(dir, Object.fromEntries(Object.values(BAD)));
    writeTree(dir, { 'src/lib/loop2.ts': "import { y } from './loop';\nexport const x = y;\n" });
    const violations = cruise(dir);
    for (const [rule, [file]] of Object.entries(BAD)) {
      assert.ok(violations.some((v) => v.rule.name === rule && v.from === file && v.rule.severity === 'error'),
        `${rule} not reported for ${file}; got: ${violations.map((v) => `${v.rule.name} ${v.from}`).join(', ')}`);
    }
    // The rules are all covered, and nothing in the good part of the tree is reported.
    const config = require(CONFIG) as { forbidden: Array<{ name: string }> };
    assert.deepEqual(config.forbidden.map((r) => r.name).sort(), Object.keys(BAD).sort());
    const planted = new Set([...Object.values(BAD).map(([f]) => f), 'src/lib/loop2.ts']);
    assert.deepEqual(violations.filter((v) => !planted.has(v.from)).map((v) => `${v.rule.name} ${v.from}`), []);
  });
});
