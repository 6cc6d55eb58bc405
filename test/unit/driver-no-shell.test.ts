// No shell anywhere in the driver (DESIGN §5): one module, src/lib/process.ts, starts programs,
// with argument arrays and without `shell`; nothing else the driver loads imports child_process
// or names a shell.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DRIVER = path.join(ROOT, 'driver');
const LIB = path.join(ROOT, 'src', 'lib');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.(ts|js)$/.test(e.name) ? [full] : [];
  });
}

describe('driver: no shell (unit over the source)', () => {
  const files = [...sources(DRIVER), ...sources(LIB)];

  it('finds the driver sources', () => assert.ok(files.length > 20, String(files.length)));

  it('only src/lib/process.ts starts programs, with spawn and no shell option', () => {
    const starters = files.filter((f) => /child_process/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(ROOT, f));
    assert.deepEqual(starters, [path.join('src', 'lib', 'process.ts')]);
    const exec = fs.readFileSync(path.join(LIB, 'process.ts'), 'utf8');
    assert.doesNotMatch(exec, /\bshell\s*:|\bexec(Sync|File)?\s*\(|spawnSync/);
  });

  it('no source runs a shell or passes a command string', () => {
    for (const f of files) {
      const code = fs.readFileSync(f, 'utf8');
      // The DHCP hook scripts are data (written to a file, run by the DHCP client): strip them.
      const stripped = code.replace(/const (UDHCPC|DHCLIENT)_HOOK = `[\s\S]*?`;/g, '');
      assert.doesNotMatch(stripped, /['"](\/bin\/)?(ba)?sh['"]|['"]-c['"]|shell\s*:\s*true/, path.relative(ROOT, f));
    }
  });
});
