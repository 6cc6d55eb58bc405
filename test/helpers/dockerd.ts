// A private, offline Docker engine for a test (test-infra §8.1): its own data, exec root and
// socket under a temp dir named for the run id, its own containerd namespaces, no iptables, no
// bridge. Images come from the host's busybox (§8.2) since no registry is reachable.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { poller } from './poll';
import { run, stopProcess, type CommandResult } from './processes';

export class PrivateDockerd {
  private constructor(readonly dir: string, readonly proc: ChildProcess, readonly exited: Promise<void>, readonly up: boolean) {}

  /** `unix://…/docker.sock`, for DOCKER_HOST or `docker -H`. */
  get host(): string { return `unix://${this.dir}/docker.sock`; }

  /** Starts dockerd and waits up to 20 s for it to answer; `up` says whether it did. */
  static async start(runId: string): Promise<PrivateDockerd> {
    const dk = fs.mkdtempSync(path.join(os.tmpdir(), `dk-${runId}.`));
    const log = fs.openSync(path.join(dk, 'dockerd.log'), 'a');
    const proc = spawn('dockerd', [`--data-root=${dk}/root`, `--exec-root=${dk}/exec`, `--pidfile=${dk}/dockerd.pid`, '-H', `unix://${dk}/docker.sock`,
      '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none',
      `--containerd-namespace=ci-${runId}`, `--containerd-plugins-namespace=ci-${runId}-plugins`], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    proc.once('error', () => undefined);
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const docker = (...args: string[]): Promise<CommandResult> => run('docker', ['-H', `unix://${dk}/docker.sock`, ...args]);
    const up = await poller({ timeoutMs: 20_000, everyMs: 50 })('dockerd', async () => {
      if (proc.exitCode !== null) return false;
      return (await docker('version')).code === 0 ? true : undefined;
    }).catch(() => false);
    return new PrivateDockerd(dk, proc, exited, up);
  }

  get running(): boolean { return this.proc.exitCode === null; }

  /** The last `lines` lines of dockerd's log (why it did not come up). */
  logTail(lines: number): string[] {
    return fs.readFileSync(path.join(this.dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-lines);
  }

  docker(...args: string[]): Promise<CommandResult> {
    return run('docker', ['-H', this.host, ...args]);
  }

  /** Names of all containers whose name starts with `prefix`. */
  async containersNamed(prefix: string): Promise<string[]> {
    return (await this.docker('ps', '-a', '--format', '{{.Names}}')).stdout.split('\n').filter((n) => n.startsWith(prefix));
  }

  /** Imports an image `image` made of the host's busybox and its libraries; the `docker import` result. */
  async importBusybox(image: string): Promise<CommandResult> {
    const rf = path.join(this.dir, 'rootfs');
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(rf, d), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(rf, 'bin', 'busybox'));
    fs.chmodSync(path.join(rf, 'bin', 'busybox'), 0o755);
    for (const lib of (await run('ldd', ['/bin/busybox'])).stdout.match(/\/[^\s)]+/g) ?? []) {
      fs.mkdirSync(path.dirname(path.join(rf, lib)), { recursive: true });
      fs.copyFileSync(fs.realpathSync(lib), path.join(rf, lib));
    }
    for (const a of ['sh', 'ip', 'ping', 'sleep', 'cat']) fs.symlinkSync('busybox', path.join(rf, 'bin', a));
    assert.equal((await run('tar', ['-C', rf, '-cf', path.join(this.dir, 'rootfs.tar'), '.'])).code, 0);
    return this.docker('import', path.join(this.dir, 'rootfs.tar'), image);
  }

  /** SIGTERM, SIGKILL after 15 s; resolves once it has exited. */
  stop(): Promise<void> {
    return stopProcess(this.proc, this.exited, 'SIGTERM', 15_000);
  }

  removeDir(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
