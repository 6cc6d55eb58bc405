// The operator CLI (when CNI_COMMAND is unset): attach, detach, gc, status, setup.
import { Command, CommanderError } from 'commander';
import { toCniError } from '../cni/errors';
import type { DriverDeps } from '../deps';
import { cliAttach, cliDetach, type AttachOptions, type TargetOptions } from './attach';
import { DEFAULT_CONFIG_DIR } from './config-dir';
import { cliGc, cliStatus } from './gc';
import { cliSetup, type SetupOptions } from './setup';
import { DEFAULT_SOCKET, runDaemon } from '../daemon/server';

export interface CliIo { out: (s: string) => void; err: (s: string) => void }

const stdio: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function program(deps: DriverDeps, io: CliIo, setCode: (c: number) => void): Command {
  const p = new Command('vnet-driver')
    .description('CNI plugin (when CNI_COMMAND is set) and operator CLI for marathon-vnet interfaces')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const print = (v: unknown): void => io.out(`${JSON.stringify(v, null, 2)}\n`);

  p.command('attach')
    .description('plumb one interface into a network namespace or a process\'s namespace')
    .option('--netns <path>', 'network namespace path')
    .option('--pid <pid>', 'a process whose network namespace to use')
    .requiredOption('--network <nw>', 'OpenVNet network uuid (the CNI network name)')
    .requiredOption('--ifname <name>', 'interface name inside the namespace')
    .option('--static <cidr>', 'static address a.b.c.d[/len]')
    .option('--gateway <ip>', 'default gateway through this interface')
    .option('--dhcp', 'address from the network\'s lease policy via DHCP (default without --static)')
    .option('--mac <mac>', 'MAC address (default: stable, derived)')
    .option('--route <dst=gw>', 'extra route, repeatable', collect)
    .option('--mtu <n>', 'MTU')
    .requiredOption('--config <file>', 'CNI config file of the network (bridge, openvnet, stateDir…)')
    .option('--container-id <id>', 'attachment key (default pid-<pid> or ns-<hash of path>)')
    .action(async (o: AttachOptions) => {
      print(await cliAttach(deps, o));
    });

  p.command('detach')
    .description('remove an interface attached with attach (idempotent)')
    .option('--netns <path>', 'network namespace path')
    .option('--pid <pid>', 'the process given to attach')
    .requiredOption('--network <nw>', 'OpenVNet network uuid')
    .requiredOption('--ifname <name>', 'interface name given to attach')
    .requiredOption('--config <file>', 'CNI config file of the network')
    .option('--container-id <id>', 'attachment key given to (or printed by) attach')
    .action(async (o: TargetOptions) => {
      await cliDetach(deps, o);
    });

  p.command('gc')
    .description('remove veths, bridge ports, state and OpenVNet interfaces no live container owns')
    .option('--dry-run', 'only report')
    .option('--config-dir <dir>', 'CNI config directory', DEFAULT_CONFIG_DIR)
    .action(async (o: { dryRun?: boolean; configDir: string }) => {
      const report = await cliGc(deps, o.configDir, o.dryRun === true);
      print(report);
      if (report.errors.length > 0) setCode(1);
    });

  p.command('status')
    .description('check every vnet-driver network of a CNI config directory')
    .option('--config-dir <dir>', 'CNI config directory', DEFAULT_CONFIG_DIR)
    .action(async (o: { configDir: string }) => {
      const lines = await cliStatus(deps, o.configDir);
      print(lines);
      if (lines.some((l) => !l.ok)) setCode(1);
    });

  p.command('setup')
    .description('prepare an agent: bridge with datapath id, datapath record, one CNI config per network')
    .requiredOption('--bridge <name>', 'bridge name')
    .requiredOption('--bridge-type <type>', 'ovs or linux')
    .requiredOption('--openvnet <url>', 'OpenVNet webapi URL, e.g. http://vnmgr:9090')
    .requiredOption('--datapath <uuid>', 'datapath uuid dp-…')
    .requiredOption('--dpid <hex>', 'datapath id 0x… (also set on the OVS bridge)')
    .option('--node-id <id>', 'vna node id', 'vna')
    .option('--config-dir <dir>', 'where to write the CNI configs (the agent\'s --network_cni_config_dir)', DEFAULT_CONFIG_DIR)
    .option('--agent-address <ip>', 'also write vnet-agent-link.conf for this agent address')
    .option('--host-netns <path>', 'namespace holding the bridge (default: this one)')
    .option('--ovs-db <target>', 'ovsdb target, e.g. unix:/run/openvswitch/db.sock')
    .option('--state-dir <dir>', 'driver state directory (default /var/lib/vnet-driver)')
    .option('--dhcp-client <kind>', 'udhcpc, dhclient or none', 'udhcpc')
    .option('--networks <list>', 'only these networks (comma separated)')
    .option('--datapath-type <type>', 'OVS datapath: netdev or system (default: system when the kernel module is loaded)')
    .option('--display-name <name>', 'datapath display name (default: host name)')
    .action(async (o: SetupOptions) => {
      print(await cliSetup(deps, o));
    });
  p.command('daemon')
    .description('serve CNI requests of thin plugin calls on a root-only unix socket (until SIGTERM)')
    .option('--socket <path>', 'socket path (its directory is made 0700)', process.env.VNET_DRIVER_SOCKET ?? DEFAULT_SOCKET)
    .action(async (o: { socket: string }) => {
      // A fault hook would end the daemon, not one request: faults are tested in-process.
      setCode(await runDaemon({ ...deps, fault: () => undefined }, o.socket, io.err));
    });
  return p;
}

/** Runs the CLI; returns the exit code (errors print as CNI error JSON on stderr). */
export async function runCli(argv: string[], deps: DriverDeps, io: CliIo = stdio): Promise<number> {
  let code = 0;
  const p = program(deps, io, (c) => {
    code = c;
  });
  try {
    await p.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const e = toCniError(err);
    io.err(`${JSON.stringify(e.toJSON('1.1.0'))}\n`);
    return 1;
  }
}
