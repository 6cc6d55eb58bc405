// The web UI is bundled by esbuild, which strips types without checking them, and the root
// tsconfig leaves src/ui out (it needs the DOM library). This runs the UI's own strict
// tsconfig, so a type error in a view fails `npm test` instead of reaching the browser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('web UI sources', function () {
  this.timeout(120_000);

  it('type-check under src/ui/tsconfig.json (strict, DOM, no emit)', () => {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'src', 'ui', 'tsconfig.json'), '--pretty', 'false'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
