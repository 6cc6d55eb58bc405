// Real containers for tasks with an image, when a Docker engine answers: a pause container with
// `--network none` holds the network namespace the CNI plugin plumbs (/proc/<pid>/ns/net), then
// the task container joins it with `--network container:<pause>`, so the image never starts
// before its interfaces exist. The pause image is imported from the host's busybox (no registry).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { runOk, type Run } from './exec';

export interface DockerEndpoint {
  /** the `-H` value for the docker CLI */
  host: string;
  socketPath?: string;
  tcp?: { hostname: string; port: number };
}

export const PAUSE_IMAGE = 'marathon-vnet/pause:local';
const DEFAULT_SOCKET = '/var/run/docker.sock';

export class DockerError extends Error {
  readonly code = 'MVN_ERR_LOCAL_DOCKER';
  constructor(message: string) {
    super(message);
    this.name = 'DockerError';
  }
}

/** DOCKER_HOST (unix:// or tcp://), else the default socket when it exists; null = no engine. */
export function dockerEndpoint(env: NodeJS.ProcessEnv, exists: (p: string) => boolean = fs.existsSync): DockerEndpoint | null {
  const h = env.DOCKER_HOST;
  if (h !== undefined && h !== '') {
    if (h.startsWith('unix://')) {
      const socketPath = h.slice('unix://'.length);
      return /^\/[A-Za-z0-9_.\/@+-]+$/.test(socketPath) ? { host: h, socketPath } : null;
    }
    const m = /^tcp:\/\/([A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(h);
    return m === null ? null : { host: h, tcp: { hostname: m[1], port: Number(m[2]) } };
  }
  return exists(DEFAULT_SOCKET) ? { host: `unix://${DEFAULT_SOCKET}`, socketPath: DEFAULT_SOCKET } : null;
}

/** GET /_ping; true when the engine answers OK within the timeout. */
export function pingDocker(ep: DockerEndpoint, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const opts: http.RequestOptions = { method: 'GET', path: '/_ping', timeout: timeoutMs };
    if (ep.socketPath !== undefined) opts.socketPath = ep.socketPath;
    else if (ep.tcp !== undefined) { opts.host = ep.tcp.hostname; opts.port = ep.tcp.port; } else { resolve(false); return; }
    const req = http.request(opts, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Docker image references we pass to the CLI (never an option-looking string). */
export function isImageRef(s: string): boolean {
  return s.length <= 256 && /^[A-Za-z0-9][A-Za-z0-9._\/:@-]*$/.test(s);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TaskRunSpec {
  name: string;
  pause: string;
  image: string;
  /** names of the variables to pass in from the CLI's own environment (`-e NAME`) */
  envNames: readonly string[];
  workdir?: string;
}

export class DockerRuntime {
  constructor(
    private readonly run: Run,
    readonly endpoint: DockerEndpoint,
    private readonly bin = 'docker',
  ) {}

  private args(...rest: string[]): string[] {
    return ['-H', this.endpoint.host, ...rest];
  }

  private async docker(args: string[], timeoutMs = 60_000): Promise<string> {
    return runOk(this.run, this.bin, this.args(...args), { timeoutMs });
  }

  async hasImage(image: string): Promise<boolean> {
    if (!isImageRef(image)) throw new DockerError(`bad image reference ${JSON.stringify(image)}`);
    const r = await this.run(this.bin, this.args('image', 'inspect', '--format', '{{.Id}}', image), { timeoutMs: 30_000 });
    return r.code === 0;
  }

  /** Present locally, or pulled now (as the Mesos containerizer fetches it); throws when neither. */
  async ensureImage(image: string, pullTimeoutMs = 120_000): Promise<void> {
    if (await this.hasImage(image)) return;
    const r = await this.run(this.bin, this.args('pull', image), { timeoutMs: pullTimeoutMs });
    if (r.code !== 0) throw new DockerError(`image ${image} is not present and could not be pulled: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  }

  /** Imports the pause image from the host's busybox and its libraries, once. */
  async ensurePauseImage(workDir: string): Promise<void> {
    if (await this.hasImage(PAUSE_IMAGE)) return;
    const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
    if (busybox === undefined) throw new DockerError('busybox is needed to build the pause image (apt-get install busybox)');
    const root = path.join(workDir, 'pause-rootfs');
    fs.rmSync(root, { recursive: true, force: true });
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.copyFileSync(busybox, path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    const ldd = await this.run('ldd', [busybox], { timeoutMs: 10_000 });
    for (const lib of ldd.stdout.match(/\/[^\s)]+/g) ?? []) {
      const target = path.join(root, lib);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(fs.realpathSync(lib), target);
    }
    fs.symlinkSync('busybox', path.join(root, 'bin', 'sleep'));
    fs.symlinkSync('busybox', path.join(root, 'bin', 'sh'));
    const tar = path.join(workDir, 'pause-rootfs.tar');
    await runOk(this.run, 'tar', ['-C', root, '-cf', tar, '.'], { timeoutMs: 30_000 });
    try {
      await this.docker(['import', '--change', 'CMD ["/bin/sleep","2147483647"]', tar, PAUSE_IMAGE]);
    } finally {
      fs.rmSync(tar, { force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  /** Starts the pause container without a network; returns its init pid. */
  async startPause(name: string): Promise<number> {
    await this.docker(['run', '-d', '--name', name, '--network', 'none', '--label', 'marathon-vnet.role=pause', PAUSE_IMAGE, '/bin/sleep', '2147483647']);
    const pid = await this.pid(name);
    if (pid === null) throw new DockerError(`pause container ${name} is not running`);
    return pid;
  }

  async pid(name: string): Promise<number | null> {
    const r = await this.run(this.bin, this.args('inspect', '--format', '{{.State.Pid}}', name), { timeoutMs: 30_000 });
    const n = Number(r.stdout.trim());
    return r.code === 0 && Number.isInteger(n) && n > 0 ? n : null;
  }

  /** argv prefix that runs the task's command in its image inside the pause container's network. */
  runPrefix(spec: TaskRunSpec): string[] {
    if (!isImageRef(spec.image)) throw new DockerError(`bad image reference ${JSON.stringify(spec.image)}`);
    const env = spec.envNames.filter((n) => ENV_NAME.test(n)).flatMap((n) => ['-e', n]);
    return [this.bin, ...this.args('run', '--rm', '--init', '--name', spec.name, '--network', `container:${spec.pause}`,
      '--label', 'marathon-vnet.role=task', ...env, ...(spec.workdir === undefined ? [] : ['-w', spec.workdir]), spec.image)];
  }

  /** argv prefix for an image task on the host network (no named networks). */
  hostRunPrefix(spec: Omit<TaskRunSpec, 'pause'>): string[] {
    if (!isImageRef(spec.image)) throw new DockerError(`bad image reference ${JSON.stringify(spec.image)}`);
    const env = spec.envNames.filter((n) => ENV_NAME.test(n)).flatMap((n) => ['-e', n]);
    return [this.bin, ...this.args('run', '--rm', '--init', '--name', spec.name, '--network', 'host', '--label', 'marathon-vnet.role=task', ...env, spec.image)];
  }

  /** Force-removes containers; absent ones count as removed. */
  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const r = await this.run(this.bin, this.args('rm', '-f', ...names), { timeoutMs: 60_000 });
    if (r.code !== 0 && !/No such container/i.test(r.stderr)) throw new DockerError(`docker rm -f ${names.join(' ')}: ${r.stderr.trim()}`);
  }

  /** Names of containers (running or not) whose name starts with the prefix. */
  async listByPrefix(prefix: string): Promise<string[]> {
    const out = await this.docker(['ps', '-a', '--filter', `name=^${prefix}`, '--format', '{{.Names}}']);
    return out.split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
  }
}
