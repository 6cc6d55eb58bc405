// The agent's CNI side in local mode: one vnet-driver config per OpenVNet network (its own
// bridge in the fabric namespace, its own datapath, the network's lease policy) written into
// <data-dir>/cni as a Mesos agent's --network_cni_config_dir, and the plugin directory
// (--network_cni_plugins_dir) holding `vnet-driver`. Building is pure; writing is at the end.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VnetState } from '../sim/openvnet/model';
import { configProblem, type CniConfig } from './cni-invocation';
import type { BridgeType, FabricNetworkView } from './fabric';

export interface DriverConfigInput {
  network: FabricNetworkView;
  bridgeType: BridgeType;
  fabricNetnsPath: string;
  ovsDb: string | null;
  openvnetUrl: string;
  leasePolicy: string | null;
  stateDir: string;
  displayName: string;
  dhcpTimeoutMs?: number;
}

export function driverConfig(i: DriverConfigInput): CniConfig {
  return {
    cniVersion: '0.2.0',
    name: i.network.networkUuid,
    type: 'vnet-driver',
    bridge: i.network.bridge,
    bridgeType: i.bridgeType,
    hostNetns: i.fabricNetnsPath,
    ...(i.ovsDb === null ? {} : { ovsDb: i.ovsDb }),
    openvnet: {
      url: i.openvnetUrl, datapath: i.network.datapath, dpid: i.network.dpid, nodeId: 'vna', displayName: i.displayName,
      ...(i.leasePolicy === null ? {} : { leasePolicy: i.leasePolicy }),
    },
    dhcp: { client: 'udhcpc', timeoutMs: i.dhcpTimeoutMs ?? 5000 },
    stateDir: i.stateDir,
  };
}

/** The live lease policy linked to a network (the first by id), if any. */
export function leasePolicyFor(state: VnetState, networkUuid: string): string | null {
  const live = new Set(state.leasePolicies.filter((p) => p.isDeleted === 0).map((p) => p.uuid));
  const link = state.leasePolicyNetworks
    .filter((l) => l.isDeleted === 0 && l.networkUuid === networkUuid && live.has(l.leasePolicyUuid))
    .sort((a, b) => a.id - b.id)[0];
  return link === undefined ? null : link.leasePolicyUuid;
}

/** Writes `<dir>/<name>.conf` per config (and removes stale ones of ours). Returns the files. */
export function writeConfigDir(dir: string, configs: readonly CniConfig[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const wanted = new Set(configs.map((c) => `${c.name}.conf`));
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.conf') && !wanted.has(f)) fs.rmSync(path.join(dir, f), { force: true });
  return configs.map((c) => {
    const file = path.join(dir, `${c.name}.conf`);
    fs.writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`);
    return file;
  });
}

export interface LoadedConfigs {
  configs: Map<string, CniConfig>;
  /** files skipped, with the reason (logged, as the agent does) */
  skipped: { file: string; reason: string }[];
}

/** B2: every regular file is read; bad ones, unknown plugins and duplicate names are skipped. */
export function loadConfigDir(dir: string, pluginDir: string): LoadedConfigs {
  const configs = new Map<string, CniConfig>();
  const skipped: LoadedConfigs['skipped'] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, f);
    if (!fs.statSync(file).isFile()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      skipped.push({ file, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const problem = configProblem(raw);
    if (problem !== null) { skipped.push({ file, reason: problem }); continue; }
    const conf = raw as CniConfig;
    if (!fs.existsSync(path.join(pluginDir, conf.type))) { skipped.push({ file, reason: `plugin ${conf.type} not found in ${pluginDir}` }); continue; }
    if (configs.has(conf.name)) { skipped.push({ file, reason: `duplicate network name ${conf.name}` }); continue; }
    configs.set(conf.name, conf);
  }
  return { configs, skipped };
}

/** The plugin dir with `vnet-driver` pointing at this checkout's driver. */
export function preparePluginDir(dir: string, driverBin: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'vnet-driver');
  try {
    if (fs.readlinkSync(link) === driverBin) return;
  } catch {
    // absent or not a link
  }
  fs.rmSync(link, { force: true });
  fs.symlinkSync(driverBin, link);
}
