// Fakes for the driver's unit tests: a recording runner (every command the driver would run)
// and an in-memory OpenVNet registry with two networks.
import type { OpenVnetConf } from '../../driver/cni/config';
import { CniError, CNI_CODES } from '../../driver/cni/errors';
import type { DriverDeps } from '../../driver/deps';
import type { NewInterface, VnetRegistry } from '../../driver/openvnet/registry';
import type { RunOptions, RunResult } from '../../driver/plumb/exec';

export interface Call { cmd: string; args: string[]; input?: string }

export interface Fakes {
  deps: DriverDeps;
  calls: Call[];
  registryCalls: string[];
  interfaces: Map<string, NewInterface>;
}

export function fakes(opts: { openvnetDown?: boolean; answer?: (c: Call) => RunResult | undefined } = {}): Fakes {
  const calls: Call[] = [];
  const registryCalls: string[] = [];
  const interfaces = new Map<string, NewInterface>();
  const networks: Record<string, { ip: string; prefix: number }> = {
    'nw-vnet1': { ip: '10.0.0.0', prefix: 24 },
    'nw-vnet3': { ip: '192.168.0.0', prefix: 24 },
  };
  const up = (what: string): void => {
    registryCalls.push(what);
    if (opts.openvnetDown === true) throw new CniError(CNI_CODES.TRY_AGAIN_LATER, 'OpenVNet unavailable', 'connect ECONNREFUSED');
  };
  const registry = (_c: OpenVnetConf): VnetRegistry => ({
    network: async (uuid) => {
      up(`network ${uuid}`);
      const n = networks[uuid];
      return n === undefined ? null : { uuid, displayName: uuid, subnet: n };
    },
    networks: async () => {
      up('networks');
      return Object.entries(networks).map(([uuid, subnet]) => ({ uuid, displayName: uuid, subnet }));
    },
    ensureDatapath: async (c) => up(`ensureDatapath ${c.datapath}`),
    createInterface: async (p) => {
      up(`createInterface ${p.uuid}`);
      interfaces.set(p.uuid, p);
    },
    allocateAddress: async (lp, ifUuid) => {
      up(`allocateAddress ${lp} ${ifUuid}`);
      return '10.0.0.100';
    },
    getInterface: async (uuid) => {
      up(`getInterface ${uuid}`);
      const i = interfaces.get(uuid);
      return i === undefined ? null : { uuid, mode: 'vif', displayName: i.displayName, mac: i.mac, ipv4: i.ipv4, networkUuid: i.networkUuid };
    },
    interfaces: async () => {
      up('interfaces');
      return [...interfaces.values()].map((i) => ({ uuid: i.uuid, mode: 'vif', displayName: i.displayName, mac: i.mac, ipv4: i.ipv4, networkUuid: i.networkUuid }));
    },
    deleteInterface: async (uuid) => {
      up(`deleteInterface ${uuid}`);
      return interfaces.delete(uuid) ? 'deleted' : 'absent';
    },
    leasePolicyFor: async () => null,
  });
  const run = async (cmd: string, args: readonly string[], o?: RunOptions): Promise<RunResult> => {
    const call: Call = { cmd, args: [...args], ...(o?.input === undefined ? {} : { input: o.input }) };
    calls.push(call);
    return opts.answer?.(call) ?? { code: 0, stdout: '', stderr: '' };
  };
  return { deps: { run, registry, fault: () => undefined, hostName: 'unit-host' }, calls, registryCalls, interfaces };
}
