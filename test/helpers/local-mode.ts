// Fixtures shared by the local-mode tests (test/e2e/local-*.test.ts and
// test/integration/local-mode-*.test.ts): the sample networks, NetworkInfo labels, the
// namespaces carrying an instance tag, and the real `marathon-vnet local` CLI started on free
// ports with its output kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetworkInfo } from '../../src/mesos/types';
import { poller } from './poll';
import { freePort } from './ports';
import { run, stopProcess } from './processes';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO, 'src', 'bin', 'marathon-vnet.js');

/** samples/openvnet/networks.json, as local mode loads it. */
export function sampleNetworks(): unknown {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'samples', 'openvnet', 'networks.json'), 'utf8')) as unknown;
}

export function labels(m: Record<string, string>): NetworkInfo['labels'] {
  return { labels: Object.entries(m).map(([key, value]) => ({ key, value })) };
}

/** Names of the network namespaces whose name contains `part` (e.g. `mvn-<tag>-`). */
export async function namespacesMatching(part: string): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.includes(part));
}

export interface LocalCliOptions {
  dataDir: string;
  /** Flags besides the data dir, the three ports, --no-ui and --log-level warn. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** `marathon-vnet local` as a user runs it, up once it has printed its banner. */
export class LocalCli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess, readonly httpPort: number, readonly vnetPort: number) {
    child.stdout?.on('data', (d: Buffer) => { this.stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get api(): string { return `http://127.0.0.1:${this.httpPort}`; }
  get vnet(): string { return `http://127.0.0.1:${this.vnetPort}`; }

  /** Starts the CLI; rejects (after stopping it) when it exits or prints no banner within 30 s. */
  static async start(opts: LocalCliOptions): Promise<LocalCli> {
    const [httpPort, vnetPort, mesosPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, [CLI, 'local', '--data-dir', opts.dataDir, '--http-port', String(httpPort), '--vnet-port', String(vnetPort),
      '--mesos-port', String(mesosPort), ...(opts.args ?? []), '--no-ui', '--log-level', 'warn'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env === undefined ? {} : { env: opts.env }) });
    const cli = new LocalCli(child, httpPort, vnetPort);
    try {
      await poller({ timeoutMs: 30_000, everyMs: 100 })('the banner', () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${cli.stderr}`);
        return cli.stdout.includes('Ctrl-C stops everything') ? true : undefined;
      });
    } catch (err) {
      await cli.stop();
      throw err;
    }
    return cli;
  }

  /** Ctrl-C, SIGKILL after 30 s; resolves once it has exited. */
  stop(): Promise<void> {
    return stopProcess(this.child, this.exited, 'SIGINT', 30_000);
  }
}
