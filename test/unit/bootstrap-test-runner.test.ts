// test/run.js: the glob in its header selects what it says (real globs, not substrings), plain
// words stay substrings, --tier selects whole tiers, and a pattern selecting nothing is an error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';

interface Runner {
  parseArgs(argv: string[]): { tiers: string[]; patterns: string[] };
  select(all: string[], args: { tiers: string[]; patterns: string[] }): string[];
  matches(rel: string, pattern: string): boolean;
  allFiles(): string[];
}
const RUN_JS = path.join(repoRoot(), 'test', 'run.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runner = require(RUN_JS) as Runner;

const FILES = [
  'dist/test/unit/apps-diff.test.js', 'dist/test/unit/deep/x-y.test.js', 'dist/test/contract/mesos-stream-replay.test.js',
  'dist/test/integration/driver-mesos.test.js', 'dist/test/e2e/local-mode.test.js',
];

describe('test/run.js selection', () => {
  it('the glob in its header selects exactly the unit tier, at any depth', () => {
    const header = fs.readFileSync(RUN_JS, 'utf8').split('\n').filter((l) => l.startsWith('//'));
    const example = /node test\/run\.js '([^']+)'/.exec(header.join('\n'))?.[1];
    assert.ok(example !== undefined && /[*]/.test(example), 'the header shows a glob');
    assert.deepEqual(runner.select(FILES, runner.parseArgs([example])), ['dist/test/unit/apps-diff.test.js', 'dist/test/unit/deep/x-y.test.js']);
    // Against the real build: every compiled unit test and nothing else.
    const all = runner.allFiles();
    const units = all.filter((f) => f.startsWith('dist/test/unit/'));
    assert.ok(units.length > 10);
    assert.deepEqual(runner.select(all, runner.parseArgs([example])), units);
  });

  it('globs match the source or the compiled path; plain words are substrings; several patterns are a union', () => {
    assert.equal(runner.matches('dist/test/unit/apps-diff.test.js', 'dist/test/unit/*.test.js'), true);
    assert.equal(runner.matches('dist/test/unit/apps-diff.test.js', 'test/unit/apps-*.test.ts'), true);
    assert.equal(runner.matches('dist/test/unit/deep/x-y.test.js', 'test/unit/*.test.ts'), false);
    assert.equal(runner.matches('dist/test/unit/apps-diff.test.js', 'test/*/apps-d?ff.test.{ts,js}'), true);
    assert.equal(runner.matches('dist/test/integration/driver-mesos.test.js', 'unit/'), false);
    assert.deepEqual(runner.select(FILES, runner.parseArgs(['driver-', 'e2e/'])), ['dist/test/integration/driver-mesos.test.js', 'dist/test/e2e/local-mode.test.js']);
    assert.deepEqual(runner.select(FILES, runner.parseArgs(['--tier', 'contract,e2e'])), ['dist/test/contract/mesos-stream-replay.test.js', 'dist/test/e2e/local-mode.test.js']);
    assert.deepEqual(runner.select(FILES, runner.parseArgs(['--tier=unit', '**/deep/**'])), ['dist/test/unit/deep/x-y.test.js']);
  });

  it('refuses an unknown tier or option and a pattern that selects nothing', () => {
    assert.throws(() => runner.parseArgs(['--tier', 'units']), /--tier: expected one or more of unit,sim,contract,integration,real,e2e/);
    assert.throws(() => runner.parseArgs(['--grep', 'x']), /unknown option --grep/);
    assert.throws(() => runner.select(FILES, runner.parseArgs(['test/unit/*.spec.ts'])), /no test file matches "test\/unit\/\*\.spec\.ts"/);
  });

  it('runs the tests a glob selects and prints the summary line', function () {
    this.timeout(60000);
    const r = spawnSync(process.execPath, [RUN_JS, 'test/unit/**/state-zk-u*.test.*'], { cwd: repoRoot(), encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const summary = /^(\d+) passed, 0 failed, 0 skipped$/m.exec(r.stdout);
    assert.ok(summary !== null && Number(summary[1]) > 0, r.stdout);
    assert.match(r.stdout, /state: zk:\/\/ URL parsing/);
    const none = spawnSync(process.execPath, [RUN_JS, 'test/unit/**/no-such-*.test.*'], { cwd: repoRoot(), encoding: 'utf8', timeout: 60000 });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no test file matches/);
  });
});
