// The real apt-get, on a private package-lists directory whose lock another process holds (an
// fcntl lock, as apt takes it): the bootstrap waits, says which lock and process, and goes on
// once the lock is released. Nothing of the system's apt state is touched.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/fixtures';
import { describeNeeding } from '../helpers/requires';

interface AptResult { status: number; stdout: string; stderr: string }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const apt = require(path.join(repoRoot(), 'src', 'bootstrap', 'apt.js')) as {
  aptGet(args: string[], timeoutS: number, deps: { spawn(cmd: string, args: string[]): AptResult; now(): number; sleep(ms: number): void; say(line: string): void }): AptResult;
};

const HOLD = 'import fcntl,sys,time\nf=open(sys.argv[1],"w")\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint("locked",flush=True)\ntime.sleep(float(sys.argv[2]))\n';

describeNeeding(['root', 'python3'], 'bootstrap: apt-get waits for a held package-lists lock (real apt-get, private dirs)', function () {
  this.timeout(60_000);
  let dir = '';
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-apt-lock-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('waits while another process holds the lock, names it, then succeeds', async () => {
    const lists = path.join(dir, 'lists');
    fs.mkdirSync(path.join(lists, 'partial'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'parts'));
    fs.mkdirSync(path.join(dir, 'cache', 'archives', 'partial'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sources.list'), '');
    const holder = spawn('/usr/bin/python3', ['-c', HOLD, path.join(lists, 'lock'), '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => holder.once('exit', r));
    await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('locked')) resolve(); }));
    const said: string[] = [];
    const started = Date.now();
    const r = apt.aptGet(['-o', `Dir::State::Lists=${lists}`, '-o', `Dir::Etc::sourcelist=${path.join(dir, 'sources.list')}`,
      '-o', `Dir::Etc::sourceparts=${path.join(dir, 'parts')}`, '-o', `Dir::Cache=${path.join(dir, 'cache')}`, 'update', '-qq'], 30, {
      spawn: (cmd, args) => {
        const x = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
        return { status: x.status ?? 1, stdout: x.stdout, stderr: x.stderr };
      },
      now: () => Date.now(),
      sleep: (ms) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); },
      say: (l) => said.push(l),
    });
    await exited;
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - started >= 2000, 'it did wait for the holder');
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0], new RegExp(`^ensure: waiting up to \\d+ s for the apt lock ${lists}/lock \\(held by process ${holder.pid}, python3\\)`));
  });
});
