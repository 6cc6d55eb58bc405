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
  process.stdout.write(stdout, () => process.exit(exitCode));
}

/**
 * Build-time warm-up for the bundle's V8 code cache (src/bootstrap/bundle-driver.js): one ADD
 * and one DEL through the whole CNI path, OpenVNet client included, against a stand-in webapi
 * at `url`, with nothing to plumb. The ADD stops at the missing namespace (code 3) before its
 * first step; the DEL finds no log, no link and no record (404); the runner starts no program
 * (it answers that no such device exists). Returns both outputs.
 */
export async function warmUp(url: string, scratchDir: string): Promise<CniOutput[]> {
  const deps: DriverDeps = { ...realDeps({}), run: () => Promise.resolve({ code: 1, stdout: '', stderr: 'Device "warm-up" does not exist.' }) };
  const netns = path.join(scratchDir, 'no-such-netns');
  const stdin = JSON.stringify({
    cniVersion: '0.2.0', name: 'nw-warmup', type: 'vnet-driver', bridge: 'br-warmup', bridgeType: 'linux',
    stateDir: path.join(scratchDir, 'state'), openvnet: { url, datapath: 'dp-warmup', dpid: '0x1', nodeId: 'vna', retries: 0 },
    args: { 'org.apache.mesos': { network_info: { name: 'nw-warmup', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.10' }], labels: { labels: [{ key: 'vnet.interface', value: 'eth0' }] } } } },
  });
  const out: CniOutput[] = [];
  for (const command of ['ADD', 'DEL']) {
    const env = { CNI_COMMAND: command, CNI_CONTAINERID: 'warmup', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: scratchDir };
    out.push(await runCni(deps, env, () => stdin));
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  trace(`loaded (${__filename.endsWith('bundle.js') ? 'bundle' : 'tsc output'})`);
  if (process.env.CNI_COMMAND !== undefined && process.env.CNI_COMMAND !== '') {
    const out = await runCni(realDeps(process.env), process.env, readStdin);
    finish(out.stdout, out.exitCode);
    return;
  }
  const { runCli } = require('./cli/index') as typeof import('./cli/index');
  const code = await runCli(argv, realDeps(process.env));
  finish('', code);
}
