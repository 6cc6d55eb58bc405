// `marathon-vnet local` with a Docker engine: the sample app, posted verbatim, runs as a real
// `busybox` container (imported from the host's busybox into a private offline dockerd, since no
// registry is reachable) inside a pause container whose network namespace vnet-driver plumbed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { instanceTag } from '../../src/local-mode/names';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(REPO, 'src', 'bin', 'marathon-vnet.js');

interface Out { code: number; stdout: string; stderr: string }
function sh(cmd: string, args: string[]): Promise<Out> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', (e) => resolve({ code: -1, stdout, stderr: e.message }));
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface TaskJson { id: string; state: string; networkInterfaces?: { interfaceName: string; macAddress?: string; ipAddress?: string }[] }

describe('marathon-vnet local with a Docker engine (real CLI, private dockerd)', function () {
  this.timeout(120_000);
  const R = randomBytes(3).toString('hex');
  let dk = '';
  let dockerd: ChildProcess | undefined;
  let dockerdExit: Promise<void> = Promise.resolve();
  let dir = '';
  let tag = '';
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let stdout = '';
  let stderr = '';
  let api = '';
  const D = (...args: string[]): Promise<Out> => sh('docker', ['-H', `unix://${dk}/docker.sock`, ...args]);
  const ours = async (): Promise<string[]> => (await D('ps', '-a', '--format', '{{.Names}}')).stdout.split('\n').filter((n) => n.startsWith(`mvn-${tag}-`));

  before(async function () {
    dk = fs.mkdtempSync(path.join(os.tmpdir(), `dk-${R}.`));
    const log = fs.openSync(path.join(dk, 'dockerd.log'), 'a');
    dockerd = spawn('dockerd', [`--data-root=${dk}/root`, `--exec-root=${dk}/exec`, `--pidfile=${dk}/dockerd.pid`, '-H', `unix://${dk}/docker.sock`,
      '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none',
      `--containerd-namespace=ci-${R}`, `--containerd-plugins-namespace=ci-${R}-plugins`], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    dockerd.once('error', () => undefined);
    dockerdExit = new Promise((r) => dockerd?.once('exit', () => r()));
    const up = await until('dockerd', async () => {
      if (dockerd?.exitCode !== null) return false;
      return (await D('version')).code === 0 ? true : undefined;
    }, 20_000).catch(() => false);
    if (!up) {
      process.stdout.write(`      (skipped: dockerd could not start: ${fs.readFileSync(path.join(dk, 'dockerd.log'), 'utf8').trim().split('\n').slice(-1)[0] ?? ''})\n`);
      this.skip();
    }
    // The sample's image, `busybox`, made from the host's busybox: no registry needed.
    const rf = path.join(dk, 'rootfs');
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(rf, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rf, 'bin', 'busybox'));
    fs.chmodSync(path.join(rf, 'bin', 'busybox'), 0o755);
    for (const lib of (await sh('ldd', ['/bin/busybox'])).stdout.match(/\/[^\s)]+/g) ?? []) {
      fs.mkdirSync(path.dirname(path.join(rf, lib)), { recursive: true });
      fs.copyFileSync(fs.realpathSync(lib), path.join(rf, lib));
    }
    for (const a of ['sh', 'ip', 'ping', 'sleep', 'cat']) fs.symlinkSync('busybox', path.join(rf, 'bin', a));
    assert.equal((await sh('tar', ['-C', rf, '-cf', path.join(dk, 'rootfs.tar'), '.'])).code, 0);
    assert.equal((await D('import', path.join(dk, 'rootfs.tar'), 'busybox:latest')).code, 0);

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-e2e-docker-'));
    tag = instanceTag(dir);
    const [httpPort, vnetPort, mesosPort] = [await freePort(), await freePort(), await freePort()];
    child = spawn(process.execPath, [CLI, 'local', '--data-dir', dir, '--http-port', String(httpPort), '--vnet-port', String(vnetPort),
      '--mesos-port', String(mesosPort), '--no-ui', '--log-level', 'warn'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOCKER_HOST: `unix://${dk}/docker.sock` } });
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    exited = new Promise((resolve) => child?.once('exit', (code) => resolve(code)));
    await until('the banner', () => {
      if (child?.exitCode !== null) throw new Error(`exited: ${stderr}`);
      return stdout.includes('Ctrl-C stops everything') ? true : undefined;
    });
    api = `http://127.0.0.1:${httpPort}`;
  });

  after(async () => {
    if (child !== undefined && child.exitCode === null) {
      child.kill('SIGINT');
      const t = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    if (dockerd !== undefined && dockerd.exitCode === null) {
      for (const name of await ours()) await D('rm', '-f', name);
      dockerd.kill('SIGTERM');
      const t = setTimeout(() => dockerd?.kill('SIGKILL'), 15_000);
      await dockerdExit;
      clearTimeout(t);
    }
    for (const ns of (await sh('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0])) {
      if (tag !== '' && ns.startsWith(`mvn-${tag}-`)) await sh('ip', ['netns', 'del', ns]);
    }
    if (dk !== '') fs.rmSync(dk, { recursive: true, force: true });
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the sample app as a busybox container with both interfaces, and removes the containers on delete and stop', async () => {
    assert.match(stdout, /Docker\s+image tasks run as containers \(unix:\/\//);
    const body = fs.readFileSync(path.join(REPO, 'samples', 'apps', 'vnettest.json'), 'utf8');
    const posted = await fetch(`${api}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(posted.status, 201, await posted.text());
    const task = await until('a running task', async () => {
      const app = ((await (await fetch(`${api}/v2/apps/vnettest`)).json()) as { app: { tasks: TaskJson[] } }).app;
      return app.tasks.find((t) => t.state === 'TASK_RUNNING');
    }, 60_000);
    // RUNNING is reported once `docker run` is under way; the container follows a moment later.
    const names = await until('the task container', async () => {
      const n = await ours();
      return n.some((x) => x.includes('-task-')) && (await D('inspect', '--format', '{{.State.Running}}', n.find((x) => x.includes('-task-')) ?? '')).stdout.trim() === 'true' ? n : undefined;
    });
    const taskContainer = names.find((n) => n.includes('-task-')) ?? '';
    assert.ok(taskContainer !== '' && names.some((n) => n.includes('-pause-')), names.join(','));
    assert.equal((await D('inspect', '--format', '{{.Config.Image}}', taskContainer)).stdout.trim(), 'busybox');
    const addrs = (await D('exec', taskContainer, 'ip', '-o', 'addr', 'show')).stdout;
    const eth0 = task.networkInterfaces?.find((i) => i.interfaceName === 'eth0');
    assert.match(addrs, /eth1\s+inet 192\.168\.0\.100\/24/);
    assert.ok(eth0?.ipAddress !== undefined && addrs.includes(`inet ${eth0.ipAddress}/24`), addrs);
    assert.match((await D('exec', taskContainer, 'ip', 'route')).stdout, /default via 192\.168\.0\.1 dev eth1/);
    const links = (await D('exec', taskContainer, 'ip', '-o', 'link', 'show')).stdout;
    for (const i of task.networkInterfaces ?? []) assert.ok(links.includes(i.macAddress ?? 'missing'), links);
    assert.equal((await D('exec', taskContainer, 'cat', '/proc/1/cmdline')).code, 0);

    assert.equal((await fetch(`${api}/v2/apps/vnettest`, { method: 'DELETE' })).status, 200);
    await until('containers removed', async () => ((await ours()).length === 0 ? true : undefined));
    child?.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(await ours(), []);
    const left = (await sh('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`mvn-${tag}-`));
    assert.deepEqual(left, []);
  });
});
