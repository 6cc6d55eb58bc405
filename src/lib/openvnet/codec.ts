// Wire codec for the OpenVNet webapi: form bodies out, snake_case JSON in (spec B3/B5).
// Decoders are tolerant: unknown fields are ignored, missing optional ones become null/undefined.
import { formatIPv4 } from '../ipv4';
import { formatMac } from './address';
import { OpenVnetError } from './errors';
import type {
  Datapath, DnsService, Interface, InterfacePort, IpLease, IpRange, IpRangeGroup, LeasePolicy,
  LeasePolicyNetwork, ListPage, MacLease, MacRange, MacRangeGroup, Network, NetworkService,
} from './types';

export type FormValue = string | number | boolean | null | undefined;
export type FormFields = { [key: string]: FormValue };

/** `application/x-www-form-urlencoded` body; undefined and null fields are left out. */
export function encodeForm(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    params.append(key, String(value));
  }
  return params.toString();
}

type Json = { [key: string]: unknown };

function badResponse(what: string): OpenVnetError {
  return new OpenVnetError({ code: 'MVN_ERR_OPENVNET_BAD_RESPONSE', message: `unexpected OpenVNet response: ${what}` });
}

export function asObject(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badResponse(`${what} is not an object`);
  return value as Json;
}

function reqString(o: Json, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw badResponse(`${what}.${key} missing`);
  return v;
}

function optString(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

function nullableString(o: Json, key: string): string | null {
  return optString(o, key) ?? null;
}

function num(o: Json, key: string): number {
  const v = o[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return 0;
}

function nullableNum(o: Json, key: string): number | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  return num(o, key);
}

function bool(o: Json, key: string, dflt = false): boolean {
  const v = o[key];
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 'true' || v === '1') return true;
  if (v === 0 || v === 'false' || v === '0') return false;
  return dflt;
}

/** IPv4 may be dotted (top-level objects) or an integer (nested rows). */
function ipv4(o: Json, key: string): string | undefined {
  const v = o[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatIPv4(v);
  return undefined;
}

function mac(o: Json, key: string): string | undefined {
  const v = o[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatMac(v);
  return undefined;
}

function base(o: Json, what: string): { id: number; uuid: string; createdAt?: string; updatedAt?: string } {
  return { id: num(o, 'id'), uuid: reqString(o, 'uuid', what), createdAt: optString(o, 'created_at'), updatedAt: optString(o, 'updated_at') };
}

export function decodeList<T>(value: unknown, decodeItem: (item: unknown) => T): ListPage<T> {
  const o = asObject(value, 'list');
  if (!Array.isArray(o.items)) throw badResponse('list without items');
  return { totalCount: num(o, 'total_count'), items: o.items.map(decodeItem) };
}

export function decodeDatapath(value: unknown): Datapath {
  const o = asObject(value, 'datapath');
  return {
    ...base(o, 'datapath'),
    displayName: optString(o, 'display_name') ?? '',
    dpid: reqString(o, 'dpid', 'datapath'),
    nodeId: optString(o, 'node_id') ?? '',
    enableOvsLearnAction: bool(o, 'enable_ovs_learn_action', true),
  };
}

export function decodeNetwork(value: unknown): Network {
  const o = asObject(value, 'network');
  return {
    ...base(o, 'network'),
    displayName: optString(o, 'display_name') ?? '',
    ipv4Network: ipv4(o, 'ipv4_network') ?? '',
    ipv4Prefix: num(o, 'ipv4_prefix'),
    mode: optString(o, 'mode') ?? optString(o, 'network_mode') ?? '',
    domainName: optString(o, 'domain_name'),
  };
}

export function decodeLeasePolicyNetwork(value: unknown): LeasePolicyNetwork {
  const o = asObject(value, 'network');
  const nw: LeasePolicyNetwork = decodeNetwork(o);
  const iprg = optString(o, 'ip_range_group_uuid');
  if (iprg !== undefined) nw.ipRangeGroupUuid = iprg;
  return nw;
}

export function decodeIpLease(value: unknown): IpLease {
  const o = asObject(value, 'ip_lease');
  return {
    ...base(o, 'ip_lease'),
    interfaceUuid: nullableString(o, 'interface_uuid'),
    macLeaseUuid: nullableString(o, 'mac_lease_uuid'),
    networkUuid: optString(o, 'network_uuid') ?? '',
    ipv4Address: ipv4(o, 'ipv4_address') ?? '',
    enableRouting: bool(o, 'enable_routing'),
  };
}

export function decodeMacLease(value: unknown): MacLease {
  const o = asObject(value, 'mac_lease');
  return {
    ...base(o, 'mac_lease'),
    interfaceUuid: nullableString(o, 'interface_uuid'),
    macAddress: mac(o, 'mac_address') ?? '',
    ipLeases: Array.isArray(o.ip_leases) ? o.ip_leases.map(decodeIpLease) : [],
  };
}

export function decodeInterface(value: unknown): Interface {
  const o = asObject(value, 'interface');
  const itf: Interface = {
    ...base(o, 'interface'),
    mode: optString(o, 'mode') ?? '',
    displayName: nullableString(o, 'display_name'),
    enableRouting: bool(o, 'enable_routing'),
    enableRouteTranslation: bool(o, 'enable_route_translation'),
    enableFiltering: bool(o, 'enable_filtering'),
    macLeases: Array.isArray(o.mac_leases) ? o.mac_leases.map(decodeMacLease) : [],
    ipLeases: Array.isArray(o.ip_leases) ? o.ip_leases.map(decodeIpLease) : [],
  };
  const macAddress = mac(o, 'mac_address');
  const networkUuid = optString(o, 'network_uuid');
  const ipv4Address = ipv4(o, 'ipv4_address');
  if (macAddress !== undefined) itf.macAddress = macAddress;
  if (networkUuid !== undefined) itf.networkUuid = networkUuid;
  if (ipv4Address !== undefined) itf.ipv4Address = ipv4Address;
  return itf;
}

export function decodeInterfacePort(value: unknown): InterfacePort {
  const o = asObject(value, 'interface_port');
  const singular = o.singular;
  return {
    id: num(o, 'id'),
    uuid: optString(o, 'uuid'),
    interfaceUuid: optString(o, 'interface_uuid') ?? '',
    datapathUuid: nullableString(o, 'datapath_uuid'),
    portName: nullableString(o, 'port_name'),
    singular: singular === null || singular === undefined ? null : bool(o, 'singular'),
  };
}

export function decodeNetworkService(value: unknown): NetworkService {
  const o = asObject(value, 'network_service');
  return {
    ...base(o, 'network_service'),
    mode: optString(o, 'mode') ?? optString(o, 'type') ?? '',
    interfaceUuid: nullableString(o, 'interface_uuid'),
    displayName: nullableString(o, 'display_name'),
    incomingPort: nullableNum(o, 'incoming_port'),
    outgoingPort: nullableNum(o, 'outgoing_port'),
  };
}

export function decodeDnsService(value: unknown): DnsService {
  const o = asObject(value, 'dns_service');
  return { ...base(o, 'dns_service'), networkServiceUuid: nullableString(o, 'network_service_uuid'), publicDns: nullableString(o, 'public_dns') };
}

export function decodeIpRangeGroup(value: unknown): IpRangeGroup {
  const o = asObject(value, 'ip_range_group');
  return { ...base(o, 'ip_range_group'), allocationType: optString(o, 'allocation_type') ?? 'incremental' };
}

export function decodeIpRange(value: unknown): IpRange {
  const o = asObject(value, 'ip_range');
  const r: IpRange = {
    ...base(o, 'ip_range'),
    beginIpv4Address: ipv4(o, 'begin_ipv4_address') ?? '',
    endIpv4Address: ipv4(o, 'end_ipv4_address') ?? '',
  };
  const group = optString(o, 'ip_range_group_uuid');
  if (group !== undefined) r.ipRangeGroupUuid = group;
  return r;
}

export function decodeLeasePolicy(value: unknown): LeasePolicy {
  const o = asObject(value, 'lease_policy');
  return { ...base(o, 'lease_policy'), mode: optString(o, 'mode') ?? 'simple', timing: optString(o, 'timing') ?? 'immediate' };
}

export function decodeMacRangeGroup(value: unknown): MacRangeGroup {
  const o = asObject(value, 'mac_range_group');
  return { ...base(o, 'mac_range_group'), allocationType: optString(o, 'allocation_type') ?? 'random' };
}

export function decodeMacRange(value: unknown): MacRange {
  const o = asObject(value, 'mac_range');
  return { ...base(o, 'mac_range'), beginMacAddress: mac(o, 'begin_mac_address') ?? '', endMacAddress: mac(o, 'end_mac_address') ?? '' };
}

/** `{uuid}` answers of link routes. */
export function decodeUuidObject(value: unknown): string {
  return reqString(asObject(value, 'link'), 'uuid', 'link');
}

/** `["uuid"]` answers of deletes (`{"uuid":…}` for lease-policy links). */
export function decodeDeleted(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as Json).uuid === 'string' ? String((v as Json).uuid) : ''));
  }
  if (value !== null && typeof value === 'object' && typeof (value as Json).uuid === 'string') return [String((value as Json).uuid)];
  throw badResponse('delete answer is neither an array nor {uuid}');
}
