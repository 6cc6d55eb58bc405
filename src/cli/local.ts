// `marathon-vnet local` (what `npm start` runs): the whole system in one process on this
// machine, with real namespaces, bridges, DHCP and the vnet-driver CNI plugin. See
// src/local/run-local.ts for what it starts; this file parses flags, checks the machine,
// prints where everything is and stops it all on SIGINT/SIGTERM.
import * as path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { isLoopbackAddress } from '../server/security/config';
import { spawnRun } from '../local/exec';
import { fabricNetns, instanceTag } from '../local/names';
import { preflight } from '../local/preflight';
import { DEFAULT_NETWORKS_FILE, startLocal, type LocalHandle } from '../local/run-local';
import { startServe } from './serve';

interface LocalFlags {
  dataDir: string;
  httpPort: string;
  httpHost: string;
  vnetPort: string;
  vnetHost: string;
  mesosPort: string;
  ovs?: boolean;
  docker: boolean;
  networks: string;
  ui: boolean;
  logLevel: string;
}

function port(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new Error(`${flag}: expected a port number, got ${JSON.stringify(v)}`);
  return n;
}

function host(flag: string, v: string): string {
  if (!/^[0-9.]+$|^localhost$/.test(v)) throw new Error(`${flag}: expected an IPv4 address, got ${JSON.stringify(v)}`);
  return v === 'localhost' ? '127.0.0.1' : v;
}

/** The flag that sets each port, for a start-up error naming a port. */
export interface PortFlags { '--http-port': number; '--vnet-port': number; '--mesos-port': number }

/**
 * One line for a start-up failure. A port already in use names the flag that moves it, so the
 * user need not guess which of the three servers could not listen.
 */
export function startFailureMessage(err: unknown, ports: PortFlags): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err instanceof Error && e.code === 'EADDRINUSE' && typeof e.port === 'number') {
    const flag = (Object.keys(ports) as (keyof PortFlags)[]).find((f) => ports[f] === e.port);
    return `port ${e.port}${e.address === undefined ? '' : ` on ${e.address}`} is already in use (see \`ss -ltnp\`): `
      + `stop what listens there${flag === undefined ? '' : `, or choose another port with ${flag} <port>`}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function banner(h: LocalHandle, repoRelSample: string): string {
  const lines = [
    '',
    'marathon-vnet local is running',
    `  Marathon API + UI  ${h.apiUrl}   (UI: ${h.apiUrl}/ui/)`,
    `  OpenVNet API       ${h.vnetUrl}/api`,
    `  Mesos master       ${h.mesosUrl}   (one exec agent on this machine)`,
    `  data dir           ${h.dataDir}   (state, CNI configs in cni/, checkpoints)`,
    `  namespaces         ip netns list | grep mvn-${h.tag}-   (fabric: ${h.fabricNetns})`,
    `  bridge type        ${h.bridgeType === 'ovs' ? 'Open vSwitch (private ovsdb + ovs-vswitchd, userspace datapath)' : 'Linux bridge (add --ovs for Open vSwitch)'}`,
    ...h.bridges.map((b) => `  network ${b.network.padEnd(10)} bridge ${b.bridge}${b.dhcp === null ? '' : `, DHCP server ${b.dhcp}`}`),
    `  Docker             ${'endpoint' in h.docker ? `image tasks run as containers (${h.docker.endpoint})` : `${h.docker.reason}: image tasks run as processes in their namespace`}`,
    '',
    'Post the sample app:',
    `  curl -X POST -H 'Content-Type: application/json' localhost:${new URL(h.apiUrl).port}/v2/apps -d @${repoRelSample}`,
    `Health checks: the same with ${path.join(path.dirname(repoRelSample), 'health.json')} (healthy) and ${path.join(path.dirname(repoRelSample), 'unhealthy.json')} (killed and replaced)`,
    '',
    'Ctrl-C stops everything and removes what it created.',
    '',
  ];
  return lines.join('\n');
}

export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('run everything on this machine: API + UI, scheduler, a Mesos-compatible master with an exec agent, an OpenVNet-compatible API, real namespaces, bridges and DHCP (needs root)')
    .option('--data-dir <dir>', 'state, CNI configs, checkpoints and daemon files', './.data')
    .option('--http-port <port>', 'Marathon API and UI port', '8080')
    .option('--http-host <ip>', 'address the API listens on (0.0.0.0 to expose it)', '127.0.0.1')
    .option('--vnet-port <port>', 'OpenVNet-compatible API port', '9090')
    .option('--vnet-host <ip>', 'address the OpenVNet API listens on', '127.0.0.1')
    .option('--mesos-port <port>', 'Mesos-compatible master port (loopback)', '5050')
    .option('--ovs', 'Open vSwitch bridges (private ovsdb/vswitchd, userspace datapath) instead of Linux bridges')
    .option('--no-docker', 'never use a Docker engine: image tasks run as processes in their namespace')
    .option('--networks <file>', 'OpenVNet init file (networks, DHCP services, pools, lease policies)', DEFAULT_NETWORKS_FILE)
    .option('--no-ui', 'do not serve the web UI')
    .option('--log-level <level>', 'API/scheduler log level on stderr (fatal|error|warn|info|debug|silent)', 'warn')
    .action(async (flags: LocalFlags) => {
      const say = (line: string): void => { process.stdout.write(`${line}\n`); };
      let handle: LocalHandle | undefined;
      let stopping: string | undefined;
      const stop = (signal: string): void => {
        if (stopping !== undefined) {
          say(`received ${signal} again: still cleaning up (tasks, interfaces, namespaces); please wait`);
          return;
        }
        stopping = signal;
        if (handle === undefined) {
          say(`received ${signal}: stopping as soon as start-up is done…`);
          return;
        }
        say(`received ${signal}: stopping tasks and removing namespaces, links and DHCP servers…`);
        handle.close().then(
          () => { say('stopped; nothing left behind'); process.exit(0); },
          (err: unknown) => {
            process.stderr.write(`marathon-vnet local: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
          },
        );
      };
      // Installed first, so a Ctrl-C during start-up still cleans up instead of killing us mid-way.
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      // Once stopping, the servers' routine info/warn lines ("disconnected from Mesos", …) are
      // expected, not news: only errors still reach the terminal.
      const logStream = {
        write: (line: string): void => {
          if (stopping === undefined || !/^\{"level":(10|20|30|40),/.test(line)) process.stderr.write(line);
        },
      };
      let ports: PortFlags | undefined;
      try {
        const dataDir = path.resolve(flags.dataDir);
        ports = { '--http-port': port('--http-port', flags.httpPort), '--vnet-port': port('--vnet-port', flags.vnetPort), '--mesos-port': port('--mesos-port', flags.mesosPort) };
        const ovs = flags.ovs === true || process.env.MVN_OVS === '1';
        // local has no authentication: off loopback, anyone who reaches these ports can use them.
        for (const [flag, value, what] of [['--http-host', flags.httpHost, 'launch tasks as root'], ['--vnet-host', flags.vnetHost, 'create and delete OpenVNet networks and interfaces']] as const) {
          const h = host(flag, value);
          if (!isLoopbackAddress(h)) process.stderr.write(`marathon-vnet local: warning: ${flag} ${h} has no authentication: anyone who can reach it can ${what}\n`);
        }
        await preflight({
          uid: process.getuid?.() ?? -1, platform: process.platform, pathEnv: process.env.PATH ?? '', ovs,
          probeNetns: `${fabricNetns(instanceTag(dataDir))}-probe`, run: spawnRun,
        });
        handle = await startLocal({
          startServe,
          dataDir,
          httpHost: host('--http-host', flags.httpHost),
          httpPort: ports['--http-port'],
          vnetHost: host('--vnet-host', flags.vnetHost),
          vnetPort: ports['--vnet-port'],
          mesosPort: ports['--mesos-port'],
          bridgeType: ovs ? 'ovs' : 'linux',
          docker: flags.docker,
          networksFile: path.resolve(flags.networks),
          ui: flags.ui,
          logger: flags.logLevel === 'silent' ? false : pino({ name: 'marathon-vnet', level: flags.logLevel }, logStream),
          say,
        });
      } catch (err) {
        // Expected failures are one clear message, never a stack trace.
        process.stderr.write(`marathon-vnet local: ${ports === undefined ? (err instanceof Error ? err.message : String(err)) : startFailureMessage(err, ports)}\n`);
        process.exit(1);
      }
      say(banner(handle, path.relative(process.cwd(), path.resolve(__dirname, '..', '..', '..', 'samples', 'apps', 'vnettest.json')) || 'samples/apps/vnettest.json'));
      if (stopping !== undefined) {
        const signal = stopping;
        stopping = undefined;
        stop(signal);
      }
    });
}
