// The CNI plugin file the build writes (src/bootstrap/plugin-launcher.js): its #! line names bun
// when the optional dependency is installed and runs, else this node (also with
// VNET_DRIVER_BUN=off); either way it answers as driver/bin/vnet-driver.js does — under bun by
// handing the call to node when no daemon takes it, with the stdin it read and its exit code.
// Written into a private temp dir, run as Mesos runs a plugin (exec of the file itself).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LAUNCHER = path.join(REPO, 'src', 'bootstrap', 'plugin-launcher.js');
const DRIVER_JS = path.join(REPO, 'driver', 'bin', 'vnet-driver.js');

function bunInstalled(): string | null {
  const bin = path.join(REPO, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');
  return fs.existsSync(bin) && spawnSync(bin, ['--version'], { timeout: 20000 }).status === 0 ? bin : null;
}

describe('driver: the plugin file the build writes (unit, bun or node by #! line)', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-plugin-launcher-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function make(name: string, env: Record<string, string>): { file: string; first: string } {
    const file = path.join(dir, name);
    const r = spawnSync(process.execPath, [LAUNCHER, file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.statSync(file).mode & 0o777, 0o755);
    return { file, first: fs.readFileSync(file, 'utf8').split('\n')[0] };
  }

  function call(file: string, env: Record<string, string>, input: string): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(file, [], { input, encoding: 'utf8', timeout: 30000, env: { PATH: '/usr/bin:/bin', VNET_DRIVER_DAEMON: 'off', ...env } });
    assert.equal(r.error, undefined, String(r.error));
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  const variants: { name: string; env: Record<string, string>; runtime: () => string | null }[] = [
    { name: 'node', env: { VNET_DRIVER_BUN: 'off' }, runtime: (): string | null => process.execPath },
    { name: 'default', env: {}, runtime: (): string | null => bunInstalled() ?? process.execPath },
  ];
  for (const v of variants) {
    it(`${v.name}: #! names the runtime; answers VERSION, errors and the CLI as the node entry does`, () => {
      const { file, first } = make(`vnet-driver-${v.name}`, v.env);
      assert.equal(first, `#!${v.runtime()}`);
      for (const [env, input] of [
        [{ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}'],
        [{ CNI_COMMAND: 'ADD' }, 'not json'],
        [{ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '' }, '{"cniVersion":"0.4.0","name":"n","type":"vnet-driver"}'],
      ] as [Record<string, string>, string][]) {
        const got = call(file, env, input);
        const want = spawnSync(process.execPath, [DRIVER_JS], { input, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', VNET_DRIVER_DAEMON: 'off', ...env } });
        assert.equal(got.code, want.status, `${JSON.stringify(env)}: ${got.stdout}${got.stderr}`);
        assert.equal(got.stdout, want.stdout);
      }
      const help = spawnSync(file, ['--help'], { encoding: 'utf8', timeout: 30000, env: { PATH: '/usr/bin:/bin' } });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: vnet-driver/);
    });
  }
});
