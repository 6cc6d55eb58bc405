// The driver's seam to OpenVNet (the consumer owns the interface): what ADD, DEL, gc and setup
// need, with OpenVNet failures translated once into CNI errors. The implementation wraps
// src/lib/openvnet/client.ts, loaded only when a config actually names an OpenVNet API.
import type { OpenVnetConf } from '../cni/config';
import { CniError, CNI_CODES } from '../cni/errors';
import { isIPv4, type Cidr } from '../../src/lib/ipv4';
import { trace, traced } from '../trace';
import { nodeHttpTransport } from './http-transport';
import { loadClientModule } from './load-client';
import { clientAuthFrom } from '../../src/lib/password-file';
import type { OpenVnetClient, OpenVnetError as OpenVnetErrorType } from '../../src/lib/openvnet/client';

export interface NetworkRecord { uuid: string; displayName: string; subnet: Cidr }
export interface InterfaceRecord {
  uuid: string;
  mode: string;
  displayName: string | null;
  mac: string | null;
  ipv4: string | null;
  networkUuid: string | null;
}
export interface NewInterface {
  uuid: string;
  networkUuid: string;
  mac: string;
  ipv4: string | null;
  portName: string;
  datapath: string;
  displayName: string;
}

export interface VnetRegistry {
  network(uuid: string): Promise<NetworkRecord | null>;
  networks(): Promise<NetworkRecord[]>;
  ensureDatapath(c: OpenVnetConf): Promise<void>;
  createInterface(p: NewInterface): Promise<void>;
  /** Leases an address to the interface through the policy; returns it. */
  allocateAddress(leasePolicy: string, ifUuid: string): Promise<string>;
  getInterface(uuid: string): Promise<InterfaceRecord | null>;
  interfaces(): Promise<InterfaceRecord[]>;
  deleteInterface(uuid: string): Promise<'deleted' | 'absent'>;
  /** The lease policy linked to a network, if any (setup). */
  leasePolicyFor(networkUuid: string): Promise<string | null>;
}

export type RegistryFactory = (c: OpenVnetConf) => VnetRegistry;

/** Marks our records: gc deletes only interfaces whose display name ends with this. */
export function ownerTag(datapath: string): string {
  return `(vnet-driver:${datapath})`;
}

/** OpenVNet keeps display_name in a 255-character column. */
const DISPLAY_NAME_MAX = 255;

/**
 * An interface record's display name: who (app, else container id), the interface, and our tag
 * last. The label-supplied app id is unbounded, so it is cut (and stripped of control
 * characters) to keep the whole within the column and the tag that gc looks for intact.
 */
export function recordDisplayName(app: string | null, containerId: string, ifName: string, datapath: string): string {
  const tail = ` ${ifName} ${ownerTag(datapath)}`;
  const who = (app ?? containerId).replace(/[\u0000-\u001f\u007f]/g, '?');
  return `${who.slice(0, DISPLAY_NAME_MAX - tail.length)}${tail}`;
}

export function isUnknownDatapathError(err: unknown): boolean {
  return err instanceof CniError && err.code === CNI_CODES.OPENVNET_REJECTED && /Datapath/i.test(err.details ?? '') && /\b100\b|not found|unknown/i.test(err.details ?? '');
}

function translate(err: unknown): CniError {
  if (err instanceof CniError) return err;
  const e = err as Partial<OpenVnetErrorType>;
  if (err instanceof Error && e.name === 'OpenVnetError') {
    const detail = `${err.message} (code ${String(e.code)})`;
    if (e.retryable === true) return new CniError(CNI_CODES.TRY_AGAIN_LATER, 'OpenVNet unavailable', detail);
    if (e.isExhausted === true) return new CniError(CNI_CODES.ADDRESS_EXHAUSTED, 'OpenVNet address pool exhausted', detail);
    return new CniError(CNI_CODES.OPENVNET_REJECTED, 'OpenVNet refused the request', detail);
  }
  return new CniError(CNI_CODES.INTERNAL, 'OpenVNet client failed', err instanceof Error ? err.message : String(err));
}

async function wrap<T>(what: string, p: () => Promise<T>): Promise<T> {
  try {
    return await traced(`openvnet ${what}`, p);
  } catch (err) {
    throw translate(err);
  }
}

function toNetwork(n: { uuid: string; displayName: string; ipv4Network: string; ipv4Prefix: number }): NetworkRecord | null {
  if (!isIPv4(n.ipv4Network) || !Number.isInteger(n.ipv4Prefix) || n.ipv4Prefix < 0 || n.ipv4Prefix > 32) return null;
  return { uuid: n.uuid, displayName: n.displayName, subnet: { ip: n.ipv4Network, prefix: n.ipv4Prefix } };
}

function toInterface(i: { uuid: string; mode: string; displayName: string | null; macAddress?: string; ipv4Address?: string; networkUuid?: string }): InterfaceRecord {
  return { uuid: i.uuid, mode: i.mode, displayName: i.displayName, mac: i.macAddress ?? null, ipv4: i.ipv4Address ?? null, networkUuid: i.networkUuid ?? null };
}

export const clientRegistry: RegistryFactory = (c) => {
  // Loaded lazily: the HTTP stack costs start-up time that VERSION, plain bridges and DEL
  // without OpenVNet should not pay.
  const mod = loadClientModule();
  trace('openvnet client loaded');
  const client: OpenVnetClient = new mod.OpenVnetClient({ baseUrl: c.url, timeoutMs: c.timeoutMs, retries: c.retries, backoffMs: c.backoffMs, transport: nodeHttpTransport, ...clientAuthFrom(c) });
  return {
    network: (uuid) => wrap('network', async () => {
      const n = await client.getNetwork(uuid);
      return n === null ? null : toNetwork(n);
    }),
    networks: () => wrap('networks', async () => (await client.listNetworks()).map(toNetwork).filter((n): n is NetworkRecord => n !== null)),
    ensureDatapath: (conf) => wrap('ensureDatapath', async () => {
      await client.ensureDatapath({ uuid: conf.datapath, displayName: conf.displayName, dpid: conf.dpid, nodeId: conf.nodeId });
    }),
    createInterface: (p) => wrap('createInterface', async () => {
      await client.createInterface({
        uuid: p.uuid, mode: 'vif', ownerDatapathUuid: p.datapath, networkUuid: p.networkUuid, macAddress: p.mac,
        ...(p.ipv4 === null ? {} : { ipv4Address: p.ipv4 }), portName: p.portName, displayName: p.displayName,
      });
    }),
    allocateAddress: (lp, ifUuid) => wrap('allocateAddress', () => client.allocateFromLeasePolicy(lp, ifUuid)),
    getInterface: (uuid) => wrap('getInterface', async () => {
      const i = await client.getInterface(uuid);
      return i === null ? null : toInterface(i);
    }),
    interfaces: () => wrap('interfaces', async () => (await client.listInterfaces()).map(toInterface)),
    deleteInterface: (uuid) => wrap('deleteInterface', () => client.deleteInterface(uuid)),
    leasePolicyFor: (nw) => wrap('leasePolicyFor', async () => {
      for (const lp of await client.listLeasePolicies()) {
        const nets = await client.getLeasePolicyNetworks(lp.uuid);
        if (nets.some((n) => n.uuid === nw)) return lp.uuid;
      }
      return null;
    }),
  };
};
