// vnet-driver entry: a CNI plugin when CNI_COMMAND is set, otherwise the operator CLI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCni, type CniOutput } from './commands/skel';
import { realDeps, type DriverDeps } from './deps';
import { killChildren } from './plumb/exec';
import { trace } from './trace';

function readStdin(): string {
  return fs.readFileSync(0, 'utf8');
}

function finish(stdout: string, exitCode: number): void {
  trace(`exit ${exitCode}`);
  // Programs still running (a command cut short by its deadline) go with us.
  killChildren();
  // Exit explicitly once the output is flushed: keep-alive HTTP sockets must not hold us.
  if (stdout === '') process.exit(exitCode);
  // Written straight to fd 1 (a CNI result is a few hundred bytes, far below a pipe's buffer):
  // process.stdout would first build a stream over the pipe. A non-blocking stdout that is full
  // (EAGAIN) gets the rest through process.stdout, which waits for it.
  const bytes = Buffer.from(stdout, 'utf8');
  let sent = 0;
  try {
    while (sent < bytes.length) sent += fs.writeSync(1, bytes, sent, bytes.length - sent);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') process.exit(exitCode);
  }
  if (sent >= bytes.length) process.exit(exitCode);
  process.stdout.write(bytes.subarray(sent), () => process.exit(exitCode));
}

/**
 * Build-time warm-up for the bundle's V8 code cache (src/bootstrap/bundle-driver.js): ADD and
 * DEL through every step of the common paths (Linux bridge with and without OpenVNet, OVS with
 * it), so what a real ADD/DEL runs is compiled once at build time and not at every call. Nothing
 * is plumbed: the runner only answers (no program runs), the container "namespace" is the
 * process's own (/proc/self/ns/net, only read), the state dir is `scratchDir`, and OpenVNet is a
 * stand-in webapi at `url` (it must know network nw-warmup, 10.0.0.0/24, and accept any
 * datapath, interface and delete). Then the real runner starts one bare `node -e ''` with stdin
 * (as `ip -batch -` gets it), so its code is in the cache too. Returns every CNI output (ADD,
 * DEL, … in that order).
 */
export async function warmUp(url: string, scratchDir: string): Promise<CniOutput[]> {
  const deps: DriverDeps = { ...realDeps({}), run: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }) };
  const info = { name: 'nw-warmup', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.10' }], labels: { labels: [{ key: 'vnet.interface', value: 'eth0' }] } };
  const confs = [
    { bridgeType: 'linux', openvnet: true },
    { bridgeType: 'linux', openvnet: false },
    { bridgeType: 'ovs', openvnet: true },
  ];
  const out: CniOutput[] = [];
  for (const [i, c] of confs.entries()) {
    const stdin = JSON.stringify({
      cniVersion: '0.2.0', name: 'nw-warmup', type: 'vnet-driver', bridge: 'br-warmup', bridgeType: c.bridgeType,
      stateDir: path.join(scratchDir, 'state'), ...(c.openvnet ? { openvnet: { url, datapath: 'dp-warmup', dpid: '0x1', nodeId: 'vna', retries: 0 } } : { subnet: '10.0.0.0/24' }),
      args: { 'org.apache.mesos': { network_info: info } },
    });
    for (const command of ['ADD', 'DEL']) {
      const env = { CNI_COMMAND: command, CNI_CONTAINERID: `warmup${i}`, CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: 'eth0', CNI_PATH: scratchDir };
      out.push(await runCni(deps, env, () => stdin));
    }
  }
  await realDeps({}).run(process.execPath, ['-e', ''], { input: '' });
  return out;
}

/** stdin as the launcher already read it (to look for a daemon socket), or the error reading it. */
export type ReadStdin = { text: string } | { error: unknown };

export async function main(argv: string[], stdin?: ReadStdin): Promise<void> {
  trace(`loaded (${__filename.endsWith('bundle.js') ? 'bundle' : 'tsc output'})`);
  if (process.env.CNI_COMMAND !== undefined && process.env.CNI_COMMAND !== '') {
    const read = stdin === undefined ? readStdin : (): string => {
      if ('error' in stdin) throw stdin.error;
      return stdin.text;
    };
    const out = await runCni(realDeps(process.env), process.env, read);
    finish(out.stdout, out.exitCode);
    return;
  }
  const { runCli } = require('./cli/index') as typeof import('./cli/index');
  const code = await runCli(argv, realDeps(process.env));
  finish('', code);
}
