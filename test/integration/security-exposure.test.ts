// serve bound beyond loopback without credentials says so at start-up, in one plain line whatever
// the log level; on loopback, or with credentials, it says nothing of the kind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalMaster } from '../../src/sim/mesos/master';

const BIN = path.resolve(__dirname, '..', '..', '..', 'src', 'bin', 'marathon-vnet.js');

/** Starts serve with `args`, waits for "listening on", stops it; returns everything it printed. */
async function serveOutput(master: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'serve', '--master', master, '--state', 'memory:', '--http-port', '0', '--no-ui', '--log-level', 'error', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 20_000);
      child.stdout.on('data', () => { if (/listening on http/.test(out)) { clearTimeout(timer); resolve(); } });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${out}`)); });
    });
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
  }
  return out;
}

describe('security: serve warns when it listens beyond loopback without credentials', function () {
  this.timeout(60_000);
  let master: LocalMaster;
  let dir = '';
  before(async () => {
    master = new LocalMaster({ allocationIntervalMs: 50, heartbeatIntervalSeconds: 5 });
    await master.listen(0, '127.0.0.1');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-exposure-'));
  });
  after(async () => {
    await master.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('0.0.0.0 without credentials: one plain warning line, even at --log-level error', async () => {
    const out = await serveOutput(master.url, ['--listen', '0.0.0.0']);
    const lines = out.split('\n').filter((l) => /warning/.test(l));
    assert.deepEqual(lines, ['serve: warning: listening on 0.0.0.0 without --http_credentials: anyone who can reach it can launch containers and plumb networks'], out);
  });

  it('loopback, or 0.0.0.0 with credentials: no warning', async () => {
    assert.doesNotMatch(await serveOutput(master.url, ['--listen', '127.0.0.1']), /warning/);
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, 'ops:s3cret-Pw\n', { mode: 0o600 });
    assert.doesNotMatch(await serveOutput(master.url, ['--listen', '0.0.0.0', '--http_credentials_file', users]), /warning/);
  });
});
