// The domain of the embedded OpenVNet webapi: tables of rows with soft delete, uniqueness,
// cascades and lease-policy allocation (spec B3-B5). No I/O: clock and randomness are injected,
// the state is a plain JSON-able value that server.ts persists.
import { formatIPv4, networkOf, subnetContains } from '../../lib/ipv4';
import { formatMac } from '../../lib/openvnet/address';
import { allocateAddress } from '../../lib/openvnet/allocate';
import { argumentError, unknownUuid, VnetApiError, uniqueViolation } from '../../lib/openvnet/errors';
import { MODEL_BY_PREFIX, type UuidPrefix } from './uuid';

export interface ModelDeps {
  now(): Date;
  /** 8 chars of `[a-z0-9]`. */
  randomSuffix(): string;
  /** A random integer in [0, n). */
  randomInt(n: number): number;
}

interface RowBase {
  id: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** 0 while live, the row id once deleted (so unique keys free up). */
  isDeleted: number;
}

export interface UuidRow extends RowBase { uuid: string }

export interface DatapathRow extends UuidRow { displayName: string; dpid: string; nodeId: string; enableOvsLearnAction: boolean }
export interface NetworkRow extends UuidRow {
  displayName: string; ipv4Network: number; ipv4Prefix: number; mode: string; domainName: string;
  segmentUuid: string | null; topologyUuid: string | null;
}
export interface InterfaceRow extends UuidRow {
  mode: string; displayName: string | null; enableRouting: boolean; enableRouteTranslation: boolean;
  enableFiltering: boolean; enableLegacyFiltering: boolean;
}
export interface PortRow extends RowBase { interfaceUuid: string; datapathUuid: string | null; portName: string | null; singular: boolean | null }
export interface MacLeaseRow extends UuidRow { interfaceUuid: string | null; macAddress: number; segmentUuid: string | null }
export interface IpLeaseRow extends UuidRow {
  interfaceUuid: string | null; macLeaseUuid: string | null; networkUuid: string; ipv4Address: number;
  enableRouting: boolean; leasePolicyUuid: string | null; label: string | null;
}
export interface NetworkServiceRow extends UuidRow {
  mode: string; interfaceUuid: string | null; displayName: string | null; incomingPort: number | null; outgoingPort: number | null;
}
export interface DnsServiceRow extends UuidRow { networkServiceUuid: string; publicDns: string | null }
export interface DnsRecordRow extends UuidRow { dnsServiceUuid: string; name: string; ipv4Address: number | null }
export interface IpRangeGroupRow extends UuidRow { allocationType: string }
export interface IpRangeRow extends UuidRow { ipRangeGroupUuid: string; begin: number; end: number }
export interface LeasePolicyRow extends UuidRow { mode: string; timing: string }
export interface LeasePolicyNetworkRow extends RowBase { leasePolicyUuid: string; networkUuid: string; ipRangeGroupUuid: string }
export interface LeasePolicyInterfaceRow extends RowBase { leasePolicyUuid: string; interfaceUuid: string; label: string | null }
export interface MacRangeGroupRow extends UuidRow { allocationType: string }
export interface MacRangeRow extends UuidRow { macRangeGroupUuid: string; begin: number; end: number }
export interface DatapathNetworkRow extends RowBase { datapathUuid: string; networkUuid: string; interfaceUuid: string; macAddress: number }

export interface VnetState {
  version: 1;
  nextId: { [table: string]: number };
  /** The most recently leased IPv4 anywhere: incremental allocation starts after it. */
  lastLeasedAddress: number | null;
  /**
   * Sticky leases: `<network uuid> <mac as number>` → the address last leased to that MAC there
   * (oldest dropped beyond STICKY_KEPT). A lease-policy allocation for the MAC prefers it.
   */
  leasedByMac: { [networkAndMac: string]: number };
  datapaths: DatapathRow[];
  networks: NetworkRow[];
  interfaces: InterfaceRow[];
  interfacePorts: PortRow[];
  macLeases: MacLeaseRow[];
  ipLeases: IpLeaseRow[];
  networkServices: NetworkServiceRow[];
  dnsServices: DnsServiceRow[];
  dnsRecords: DnsRecordRow[];
  ipRangeGroups: IpRangeGroupRow[];
  ipRanges: IpRangeRow[];
  leasePolicies: LeasePolicyRow[];
  leasePolicyNetworks: LeasePolicyNetworkRow[];
  leasePolicyInterfaces: LeasePolicyInterfaceRow[];
  macRangeGroups: MacRangeGroupRow[];
  macRanges: MacRangeRow[];
  datapathNetworks: DatapathNetworkRow[];
}

type TableName = Exclude<keyof VnetState, 'version' | 'nextId' | 'lastLeasedAddress' | 'leasedByMac'>;
type RowOf<T extends TableName> = VnetState[T][number];

const TABLES: readonly TableName[] = [
  'datapaths', 'networks', 'interfaces', 'interfacePorts', 'macLeases', 'ipLeases', 'networkServices', 'dnsServices',
  'dnsRecords', 'ipRangeGroups', 'ipRanges', 'leasePolicies', 'leasePolicyNetworks', 'leasePolicyInterfaces',
  'macRangeGroups', 'macRanges', 'datapathNetworks',
];

/** Deleted rows kept per table (they only matter for ids and history). */
const DELETED_KEPT = 200;
/** MACs whose last address is remembered, per state (the oldest are forgotten first). */
const STICKY_KEPT = 4096;

export function emptyState(): VnetState {
  const s = { version: 1, nextId: {}, lastLeasedAddress: null, leasedByMac: {} } as unknown as VnetState;
  for (const t of TABLES) (s as unknown as { [k: string]: unknown[] })[t] = [];
  return s;
}

/** Accepts a state read back from disk; missing tables become empty. */
export function restoreState(value: unknown): VnetState {
  if (value === null || typeof value !== 'object' || (value as { version?: unknown }).version !== 1) {
    throw new Error('not a marathon-vnet OpenVNet state (version 1)');
  }
  const s = { ...emptyState(), ...(value as Partial<VnetState>) };
  for (const t of TABLES) if (!Array.isArray(s[t])) (s as unknown as { [k: string]: unknown[] })[t] = [];
  if (typeof s.nextId !== 'object' || s.nextId === null) s.nextId = {};
  if (typeof s.leasedByMac !== 'object' || s.leasedByMac === null || Array.isArray(s.leasedByMac)) s.leasedByMac = {};
  return s;
}

const isLive = (r: RowBase): boolean => r.isDeleted === 0;
const stickyKey = (networkUuid: string, mac: number): string => `${networkUuid} ${mac}`;

export const NETWORK_MODES = ['virtual', 'physical', 'internal'] as const;
export const INTERFACE_MODES = ['vif', 'simulated', 'host', 'internal', 'patch', 'promiscuous', 'remote'] as const;
export const NETWORK_SERVICE_MODES = ['dhcp', 'dns', 'router'] as const;
export const ALLOCATION_TYPES = ['incremental', 'decremental', 'random'] as const;

export class VnetModel {
  constructor(readonly state: VnetState, private readonly deps: ModelDeps) {}

  // ---- table helpers ---------------------------------------------------------------------

  private stamp(): string {
    return this.deps.now().toISOString();
  }

  live<T extends TableName>(table: T): RowOf<T>[] {
    return (this.state[table] as RowOf<T>[]).filter(isLive);
  }

  private insert<T extends TableName>(table: T, fields: Omit<RowOf<T>, keyof RowBase>): RowOf<T> {
    const id = this.state.nextId[table] ?? 1;
    this.state.nextId[table] = id + 1;
    const now = this.stamp();
    const row = { id, createdAt: now, updatedAt: now, deletedAt: null, isDeleted: 0, ...fields } as RowOf<T>;
    (this.state[table] as RowOf<T>[]).push(row);
    return row;
  }

  private touch(row: RowBase): void {
    row.updatedAt = this.stamp();
  }

  private softDelete<T extends TableName>(table: T, row: RowOf<T>): void {
    if (!isLive(row)) return;
    row.deletedAt = this.stamp();
    row.updatedAt = row.deletedAt;
    row.isDeleted = row.id;
    const rows = this.state[table] as RowOf<T>[];
    const deleted = rows.filter((r) => !isLive(r));
    if (deleted.length > DELETED_KEPT) {
      const drop = new Set(deleted.slice(0, deleted.length - DELETED_KEPT));
      (this.state as unknown as { [k: string]: unknown[] })[table] = rows.filter((r) => !drop.has(r));
    }
  }

  /** The live row with this uuid, or 404/"100" naming `field` (`uuid` or a `*_uuid` parameter). */
  find<T extends TableName>(table: T, prefix: UuidPrefix, uuid: string, field = 'uuid'): RowOf<T> & UuidRow {
    const row = (this.state[table] as Array<RowOf<T> & Partial<UuidRow>>).find((r) => isLive(r) && r.uuid === uuid);
    if (row === undefined) throw unknownUuid(MODEL_BY_PREFIX[prefix], field, uuid);
    return row as RowOf<T> & UuidRow;
  }

  private findOrNull<T extends TableName>(table: T, uuid: string): (RowOf<T> & UuidRow) | undefined {
    return (this.state[table] as Array<RowOf<T> & Partial<UuidRow>>).find((r) => isLive(r) && r.uuid === uuid) as (RowOf<T> & UuidRow) | undefined;
  }

  /** The uuid for a create: the given one (102 when a live row has it) or a fresh random one. */
  private newUuid(table: TableName, prefix: UuidPrefix, given: string | undefined): string {
    const taken = (u: string) => (this.state[table] as Array<Partial<UuidRow> & RowBase>).some((r) => isLive(r) && r.uuid === u);
    if (given !== undefined) {
      if (taken(given)) throw VnetApiError.endpoint('DuplicateUUID', given);
      return given;
    }
    for (;;) {
      const u = `${prefix}-${this.deps.randomSuffix()}`;
      if (!taken(u)) return u;
    }
  }

  // ---- datapaths -------------------------------------------------------------------------

  createDatapath(p: { uuid?: string; display_name: string; dpid: string; node_id: string; enable_ovs_learn_action?: boolean }): DatapathRow {
    const uuid = this.newUuid('datapaths', 'dp', p.uuid);
    if (this.live('datapaths').some((d) => d.dpid === p.dpid && d.nodeId === p.node_id)) {
      throw uniqueViolation(`Duplicate entry '${p.dpid}-${p.node_id}' for key 'datapaths.dpid_node_id_is_deleted'`);
    }
    return this.insert('datapaths', {
      uuid, displayName: p.display_name, dpid: p.dpid, nodeId: p.node_id, enableOvsLearnAction: p.enable_ovs_learn_action ?? true,
    });
  }

  updateDatapath(uuid: string, p: { display_name?: string; enable_ovs_learn_action?: boolean }): DatapathRow {
    const dp = this.find('datapaths', 'dp', uuid);
    if (p.display_name !== undefined) dp.displayName = p.display_name;
    if (p.enable_ovs_learn_action !== undefined) dp.enableOvsLearnAction = p.enable_ovs_learn_action;
    this.touch(dp);
    return dp;
  }

  deleteDatapath(uuid: string): string {
    const dp = this.find('datapaths', 'dp', uuid);
    for (const port of this.live('interfacePorts')) if (port.datapathUuid === uuid) this.softDelete('interfacePorts', port);
    for (const link of this.live('datapathNetworks')) if (link.datapathUuid === uuid) this.softDelete('datapathNetworks', link);
    this.softDelete('datapaths', dp);
    return uuid;
  }

  addDatapathNetwork(datapathUuid: string, networkUuid: string, p: { interface_uuid: string; mac_address?: number }): DatapathNetworkRow {
    this.find('datapaths', 'dp', datapathUuid);
    this.find('networks', 'nw', networkUuid, 'network_uuid');
    this.find('interfaces', 'if', p.interface_uuid, 'interface_uuid');
    if (this.live('datapathNetworks').some((l) => l.datapathUuid === datapathUuid && l.networkUuid === networkUuid)) {
      throw VnetApiError.endpoint('RelationAlreadyExists', `${datapathUuid} ${networkUuid}`);
    }
    let mac = p.mac_address;
    if (mac === undefined) {
      const group = this.findOrNull('macRangeGroups', 'mrg-dpg');
      if (group === undefined) throw unknownUuid('MacRangeGroup', 'uuid', 'mrg-dpg');
      mac = this.leaseMacFromGroup(group.uuid);
    }
    return this.insert('datapathNetworks', { datapathUuid, networkUuid, interfaceUuid: p.interface_uuid, macAddress: mac });
  }

  datapathNetworks(datapathUuid: string): NetworkRow[] {
    this.find('datapaths', 'dp', datapathUuid);
    const uuids = new Set(this.live('datapathNetworks').filter((l) => l.datapathUuid === datapathUuid).map((l) => l.networkUuid));
    return this.live('networks').filter((n) => uuids.has(n.uuid));
  }

  removeDatapathNetwork(datapathUuid: string, networkUuid: string): string {
    this.find('datapaths', 'dp', datapathUuid);
    const link = this.live('datapathNetworks').find((l) => l.datapathUuid === datapathUuid && l.networkUuid === networkUuid);
    if (link === undefined) throw unknownUuid('Network', 'network_uuid', networkUuid);
    this.softDelete('datapathNetworks', link);
    return networkUuid;
  }

  // ---- networks --------------------------------------------------------------------------

  createNetwork(p: {
    uuid?: string; display_name?: string; ipv4_network: number; ipv4_prefix?: number; network_mode?: string; mode?: string;
    domain_name?: string; segment_uuid?: string; topology_uuid?: string;
  }): NetworkRow {
    const uuid = this.newUuid('networks', 'nw', p.uuid);
    const prefix = p.ipv4_prefix ?? 24;
    return this.insert('networks', {
      uuid,
      displayName: p.display_name ?? uuid.slice(3),
      ipv4Network: p.ipv4_network,
      ipv4Prefix: prefix,
      mode: p.network_mode ?? p.mode ?? 'virtual',
      domainName: p.domain_name ?? uuid.slice(3),
      segmentUuid: p.segment_uuid ?? null,
      topologyUuid: p.topology_uuid ?? null,
    });
  }

  updateNetwork(uuid: string, p: { display_name?: string; domain_name?: string }): NetworkRow {
    const nw = this.find('networks', 'nw', uuid);
    if (p.display_name !== undefined) nw.displayName = p.display_name;
    if (p.domain_name !== undefined) nw.domainName = p.domain_name;
    this.touch(nw);
    return nw;
  }

  deleteNetwork(uuid: string): string {
    const nw = this.find('networks', 'nw', uuid);
    for (const il of this.live('ipLeases')) if (il.networkUuid === uuid) this.softDelete('ipLeases', il);
    for (const l of this.live('datapathNetworks')) if (l.networkUuid === uuid) this.softDelete('datapathNetworks', l);
    for (const l of this.live('leasePolicyNetworks')) if (l.networkUuid === uuid) this.softDelete('leasePolicyNetworks', l);
    this.softDelete('networks', nw);
    return uuid;
  }

  private checkInSubnet(nw: NetworkRow, address: number): void {
    if (!subnetContains({ network: networkOf(nw.ipv4Network, nw.ipv4Prefix), prefix: nw.ipv4Prefix }, address)) {
      throw argumentError(`IP Address ${formatIPv4(address)} not in subnet ${formatIPv4(nw.ipv4Network)}/${nw.ipv4Prefix}.`);
    }
  }

  private checkIpFree(networkUuid: string, address: number): void {
    if (this.live('ipLeases').some((l) => l.networkUuid === networkUuid && l.ipv4Address === address)) {
      throw uniqueViolation(`Duplicate entry '${formatIPv4(address)}' in network ${networkUuid} for key 'ip_addresses.network_id_ipv4_address_is_deleted'`);
    }
  }

  private checkMacFree(mac: number): void {
    if (this.live('macLeases').some((l) => l.macAddress === mac)) {
      throw uniqueViolation(`Duplicate entry '${formatMac(mac)}' for key 'mac_addresses.mac_address_is_deleted'`);
    }
  }

  private checkPortFree(datapathUuid: string | null, portName: string | null): void {
    // As the DB key (port_name, datapath_id, is_deleted): NULLs never collide.
    if (datapathUuid === null || portName === null) return;
    if (this.live('interfacePorts').some((p) => p.datapathUuid === datapathUuid && p.portName === portName)) {
      throw uniqueViolation(`Duplicate entry '${portName}' on datapath ${datapathUuid} for key 'interface_ports.port_name_datapath_id_is_deleted'`);
    }
  }

  // ---- interfaces ------------------------------------------------------------------------

  /** Validates everything first, then inserts interface, port, MAC lease and IP lease together. */
  createInterface(p: {
    uuid?: string; mode: string; owner_datapath_uuid?: string; network_uuid?: string; segment_uuid?: string;
    mac_address?: number; ipv4_address?: number; port_name?: string; mac_range_group_uuid?: string; display_name?: string;
    enable_routing?: boolean; enable_route_translation?: boolean; enable_filtering?: boolean;
  }): InterfaceRow {
    const uuid = this.newUuid('interfaces', 'if', p.uuid);
    if (p.owner_datapath_uuid !== undefined) this.find('datapaths', 'dp', p.owner_datapath_uuid, 'owner_datapath_uuid');
    const nw = p.network_uuid === undefined ? undefined : this.find('networks', 'nw', p.network_uuid, 'network_uuid');
    if (p.mac_range_group_uuid !== undefined) this.find('macRangeGroups', 'mrg', p.mac_range_group_uuid, 'mac_range_group_uuid');
    const withIp = nw !== undefined && p.ipv4_address !== undefined;
    if (withIp) this.checkInSubnet(nw, p.ipv4_address as number);
    let mac = p.mac_address;
    if (mac !== undefined) this.checkMacFree(mac);
    if (withIp) this.checkIpFree(nw.uuid, p.ipv4_address as number);
    this.checkPortFree(p.owner_datapath_uuid ?? null, p.port_name ?? null);
    if (mac === undefined && p.mac_range_group_uuid !== undefined) mac = this.leaseMacFromGroup(p.mac_range_group_uuid);

    const itf = this.insert('interfaces', {
      uuid, mode: p.mode, displayName: p.display_name ?? null, enableRouting: p.enable_routing ?? false,
      enableRouteTranslation: p.enable_route_translation ?? false, enableFiltering: p.enable_filtering ?? false,
      enableLegacyFiltering: false,
    });
    this.insert('interfacePorts', {
      interfaceUuid: uuid, datapathUuid: p.owner_datapath_uuid ?? null, portName: p.port_name ?? null,
      singular: p.owner_datapath_uuid !== undefined || p.port_name !== undefined ? true : null,
    });
    let macLease: MacLeaseRow | undefined;
    if (mac !== undefined) {
      macLease = this.insert('macLeases', { uuid: this.newUuid('macLeases', 'ml', undefined), interfaceUuid: uuid, macAddress: mac, segmentUuid: p.segment_uuid ?? null });
    }
    if (withIp) this.insertIpLease(nw.uuid, p.ipv4_address as number, uuid, macLease?.uuid ?? null, false, null, null, undefined);
    return itf;
  }

  updateInterface(uuid: string, p: { display_name?: string }): InterfaceRow {
    const itf = this.find('interfaces', 'if', uuid);
    if (p.display_name !== undefined) itf.displayName = p.display_name;
    this.touch(itf);
    return itf;
  }

  /** Task teardown: the interface and everything hanging off it. */
  deleteInterface(uuid: string): string {
    const itf = this.find('interfaces', 'if', uuid);
    for (const port of this.live('interfacePorts')) if (port.interfaceUuid === uuid) this.softDelete('interfacePorts', port);
    const macUuids = new Set<string>();
    for (const ml of this.live('macLeases')) {
      if (ml.interfaceUuid === uuid) {
        macUuids.add(ml.uuid);
        this.softDelete('macLeases', ml);
      }
    }
    for (const il of this.live('ipLeases')) {
      if (il.interfaceUuid === uuid || (il.macLeaseUuid !== null && macUuids.has(il.macLeaseUuid))) this.softDelete('ipLeases', il);
    }
    for (const ns of this.live('networkServices')) if (ns.interfaceUuid === uuid) this.deleteNetworkServiceRow(ns);
    for (const l of this.live('leasePolicyInterfaces')) if (l.interfaceUuid === uuid) this.softDelete('leasePolicyInterfaces', l);
    for (const l of this.live('datapathNetworks')) if (l.interfaceUuid === uuid) this.softDelete('datapathNetworks', l);
    this.softDelete('interfaces', itf);
    return uuid;
  }

  interfacePorts(interfaceUuid: string): PortRow[] {
    this.find('interfaces', 'if', interfaceUuid);
    return this.live('interfacePorts').filter((p) => p.interfaceUuid === interfaceUuid);
  }

  addInterfacePort(interfaceUuid: string, p: { datapath_uuid?: string; port_name?: string; singular?: boolean }): PortRow {
    this.find('interfaces', 'if', interfaceUuid);
    if (p.datapath_uuid !== undefined) this.find('datapaths', 'dp', p.datapath_uuid, 'datapath_uuid');
    this.checkPortFree(p.datapath_uuid ?? null, p.port_name ?? null);
    return this.insert('interfacePorts', {
      interfaceUuid, datapathUuid: p.datapath_uuid ?? null, portName: p.port_name ?? null, singular: p.singular === true ? true : null,
    });
  }

  removeInterfacePorts(interfaceUuid: string, p: { datapath_uuid?: string; port_name?: string; singular?: boolean }): PortRow[] {
    const ports = this.interfacePorts(interfaceUuid).filter((port) =>
      (p.datapath_uuid === undefined || port.datapathUuid === p.datapath_uuid) &&
      (p.port_name === undefined || port.portName === p.port_name) &&
      (p.singular === undefined || (port.singular === true) === p.singular));
    for (const port of ports) this.softDelete('interfacePorts', port);
    return ports;
  }

  /** The interface's live MAC leases, oldest first. */
  macLeasesOf(interfaceUuid: string): MacLeaseRow[] {
    return this.live('macLeases').filter((m) => m.interfaceUuid === interfaceUuid);
  }

  /** IP leases held by the interface, directly or through its MAC leases. */
  ipLeasesOf(interfaceUuid: string): IpLeaseRow[] {
    const macs = new Set(this.macLeasesOf(interfaceUuid).map((m) => m.uuid));
    return this.live('ipLeases').filter((l) => l.interfaceUuid === interfaceUuid || (l.macLeaseUuid !== null && macs.has(l.macLeaseUuid)));
  }

  // ---- MAC and IP leases -----------------------------------------------------------------

  createMacLease(p: { uuid?: string; interface_uuid: string; mac_address: number; segment_uuid?: string }): MacLeaseRow {
    const uuid = this.newUuid('macLeases', 'ml', p.uuid);
    this.find('interfaces', 'if', p.interface_uuid, 'interface_uuid');
    this.checkMacFree(p.mac_address);
    return this.insert('macLeases', { uuid, interfaceUuid: p.interface_uuid, macAddress: p.mac_address, segmentUuid: p.segment_uuid ?? null });
  }

  updateMacLease(uuid: string, p: { interface_uuid?: string }): MacLeaseRow {
    const ml = this.find('macLeases', 'ml', uuid);
    if (p.interface_uuid !== undefined) {
      this.find('interfaces', 'if', p.interface_uuid, 'interface_uuid');
      ml.interfaceUuid = p.interface_uuid;
      for (const il of this.live('ipLeases')) if (il.macLeaseUuid === uuid) il.interfaceUuid = p.interface_uuid;
    }
    this.touch(ml);
    return ml;
  }

  deleteMacLease(uuid: string): string {
    const ml = this.find('macLeases', 'ml', uuid);
    for (const il of this.live('ipLeases')) if (il.macLeaseUuid === uuid) this.softDelete('ipLeases', il);
    this.softDelete('macLeases', ml);
    return uuid;
  }

  private insertIpLease(networkUuid: string, address: number, interfaceUuid: string | null, macLeaseUuid: string | null,
    enableRouting: boolean, leasePolicyUuid: string | null, label: string | null, uuid: string | undefined): IpLeaseRow {
    const row = this.insert('ipLeases', {
      uuid: this.newUuid('ipLeases', 'il', uuid), interfaceUuid, macLeaseUuid, networkUuid, ipv4Address: address,
      enableRouting, leasePolicyUuid, label,
    });
    this.state.lastLeasedAddress = address;
    const mac = macLeaseUuid === null ? undefined : this.state.macLeases.find((m) => m.uuid === macLeaseUuid && isLive(m))?.macAddress;
    if (mac !== undefined) this.rememberLease(networkUuid, mac, address);
    return row;
  }

  /** Sticky leases: remembers `address` as the last one of `mac` in the network (bounded, oldest out). */
  private rememberLease(networkUuid: string, mac: number, address: number): void {
    const sticky = this.state.leasedByMac;
    const key = stickyKey(networkUuid, mac);
    delete sticky[key];
    sticky[key] = address;
    const keys = Object.keys(sticky);
    for (const k of keys.slice(0, Math.max(0, keys.length - STICKY_KEPT))) delete sticky[k];
  }

  createIpLease(p: {
    uuid?: string; network_uuid: string; ipv4_address: number; mac_lease_uuid?: string; interface_uuid?: string; enable_routing?: boolean;
  }): IpLeaseRow {
    if (p.uuid !== undefined) this.newUuid('ipLeases', 'il', p.uuid);
    const nw = this.find('networks', 'nw', p.network_uuid, 'network_uuid');
    let macLeaseUuid: string | null = null;
    let interfaceUuid: string | null = null;
    if (p.mac_lease_uuid !== undefined) {
      const ml = this.find('macLeases', 'ml', p.mac_lease_uuid, 'mac_lease_uuid');
      macLeaseUuid = ml.uuid;
      interfaceUuid = ml.interfaceUuid;
    } else if (p.interface_uuid !== undefined) {
      this.find('interfaces', 'if', p.interface_uuid, 'interface_uuid');
      interfaceUuid = p.interface_uuid;
      macLeaseUuid = this.macLeasesOf(p.interface_uuid)[0]?.uuid ?? null;
    }
    this.checkInSubnet(nw, p.ipv4_address);
    this.checkIpFree(nw.uuid, p.ipv4_address);
    return this.insertIpLease(nw.uuid, p.ipv4_address, interfaceUuid, macLeaseUuid, p.enable_routing ?? false, null, null, p.uuid);
  }

  updateIpLease(uuid: string, p: { enable_routing?: boolean }): IpLeaseRow {
    const il = this.find('ipLeases', 'il', uuid);
    if (p.enable_routing !== undefined) il.enableRouting = p.enable_routing;
    this.touch(il);
    return il;
  }

  attachIpLease(uuid: string, p: { interface_uuid?: string; mac_lease_uuid?: string }): IpLeaseRow {
    const il = this.find('ipLeases', 'il', uuid);
    if (p.mac_lease_uuid !== undefined) {
      const ml = this.find('macLeases', 'ml', p.mac_lease_uuid, 'mac_lease_uuid');
      il.macLeaseUuid = ml.uuid;
      il.interfaceUuid = ml.interfaceUuid;
    } else if (p.interface_uuid !== undefined) {
      this.find('interfaces', 'if', p.interface_uuid, 'interface_uuid');
      il.interfaceUuid = p.interface_uuid;
      il.macLeaseUuid = this.macLeasesOf(p.interface_uuid)[0]?.uuid ?? null;
    } else {
      throw VnetApiError.endpoint('MissingArgument', 'interface_uuid');
    }
    this.touch(il);
    return il;
  }

  releaseIpLease(uuid: string): IpLeaseRow {
    const il = this.find('ipLeases', 'il', uuid);
    il.interfaceUuid = null;
    il.macLeaseUuid = null;
    this.touch(il);
    return il;
  }

  deleteIpLease(uuid: string): string {
    this.softDelete('ipLeases', this.find('ipLeases', 'il', uuid));
    return uuid;
  }

  // ---- network services ------------------------------------------------------------------

  createNetworkService(p: {
    uuid?: string; mode?: string; type?: string; interface_uuid?: string; display_name?: string; incoming_port?: number; outgoing_port?: number;
  }): NetworkServiceRow {
    const mode = p.mode ?? p.type;
    if (mode === undefined) throw VnetApiError.endpoint('MissingArgument', 'mode');
    const uuid = this.newUuid('networkServices', 'ns', p.uuid);
    if (p.interface_uuid !== undefined) this.find('interfaces', 'if', p.interface_uuid, 'interface_uuid');
    return this.insert('networkServices', {
      uuid, mode, interfaceUuid: p.interface_uuid ?? null, displayName: p.display_name ?? null,
      incomingPort: p.incoming_port ?? null, outgoingPort: p.outgoing_port ?? null,
    });
  }

  updateNetworkService(uuid: string, p: { display_name?: string; incoming_port?: number; outgoing_port?: number }): NetworkServiceRow {
    const ns = this.find('networkServices', 'ns', uuid);
    if (p.display_name !== undefined) ns.displayName = p.display_name;
    if (p.incoming_port !== undefined) ns.incomingPort = p.incoming_port;
    if (p.outgoing_port !== undefined) ns.outgoingPort = p.outgoing_port;
    this.touch(ns);
    return ns;
  }

  private deleteNetworkServiceRow(ns: NetworkServiceRow): void {
    for (const d of this.live('dnsServices')) if (d.networkServiceUuid === ns.uuid) this.deleteDnsService(d.uuid);
    this.softDelete('networkServices', ns);
  }

  deleteNetworkService(uuid: string): string {
    this.deleteNetworkServiceRow(this.find('networkServices', 'ns', uuid));
    return uuid;
  }

  createDnsService(p: { uuid?: string; network_service_uuid: string; public_dns?: string }): DnsServiceRow {
    const uuid = this.newUuid('dnsServices', 'dnss', p.uuid);
    this.find('networkServices', 'ns', p.network_service_uuid, 'network_service_uuid');
    return this.insert('dnsServices', { uuid, networkServiceUuid: p.network_service_uuid, publicDns: p.public_dns ?? null });
  }

  deleteDnsService(uuid: string): string {
    const d = this.find('dnsServices', 'dnss', uuid);
    for (const r of this.live('dnsRecords')) if (r.dnsServiceUuid === uuid) this.softDelete('dnsRecords', r);
    this.softDelete('dnsServices', d);
    return uuid;
  }

  addDnsRecord(dnsServiceUuid: string, p: { uuid: string; name: string; ipv4_address?: number }): DnsRecordRow {
    this.find('dnsServices', 'dnss', dnsServiceUuid);
    const uuid = this.newUuid('dnsRecords', 'dnsr', p.uuid);
    return this.insert('dnsRecords', { uuid, dnsServiceUuid, name: p.name, ipv4Address: p.ipv4_address ?? null });
  }

  dnsRecords(dnsServiceUuid: string): DnsRecordRow[] {
    this.find('dnsServices', 'dnss', dnsServiceUuid);
    return this.live('dnsRecords').filter((r) => r.dnsServiceUuid === dnsServiceUuid);
  }

  removeDnsRecord(dnsServiceUuid: string, recordUuid: string): string {
    this.find('dnsServices', 'dnss', dnsServiceUuid);
    this.softDelete('dnsRecords', this.find('dnsRecords', 'dnsr', recordUuid, 'dns_record_uuid'));
    return recordUuid;
  }

  // ---- IP pools --------------------------------------------------------------------------

  createIpRangeGroup(p: { uuid?: string; allocation_type?: string }): IpRangeGroupRow {
    const uuid = this.newUuid('ipRangeGroups', 'iprg', p.uuid);
    return this.insert('ipRangeGroups', { uuid, allocationType: p.allocation_type ?? 'incremental' });
  }

  deleteIpRangeGroup(uuid: string): string {
    const g = this.find('ipRangeGroups', 'iprg', uuid);
    for (const r of this.live('ipRanges')) if (r.ipRangeGroupUuid === uuid) this.softDelete('ipRanges', r);
    for (const l of this.live('leasePolicyNetworks')) if (l.ipRangeGroupUuid === uuid) this.softDelete('leasePolicyNetworks', l);
    this.softDelete('ipRangeGroups', g);
    return uuid;
  }

  addIpRange(groupUuid: string, p: { uuid?: string; begin_ipv4_address: number; end_ipv4_address: number }): IpRangeRow {
    this.find('ipRangeGroups', 'iprg', groupUuid);
    const uuid = this.newUuid('ipRanges', 'ipr', p.uuid);
    if (p.begin_ipv4_address > p.end_ipv4_address) {
      throw argumentError(`begin_ipv4_address ${formatIPv4(p.begin_ipv4_address)} is after end_ipv4_address ${formatIPv4(p.end_ipv4_address)}`);
    }
    return this.insert('ipRanges', { uuid, ipRangeGroupUuid: groupUuid, begin: p.begin_ipv4_address, end: p.end_ipv4_address });
  }

  ipRanges(groupUuid: string): IpRangeRow[] {
    this.find('ipRangeGroups', 'iprg', groupUuid);
    return this.live('ipRanges').filter((r) => r.ipRangeGroupUuid === groupUuid);
  }

  removeIpRange(groupUuid: string, rangeUuid: string): string {
    this.find('ipRangeGroups', 'iprg', groupUuid);
    const r = this.live('ipRanges').find((x) => x.uuid === rangeUuid && x.ipRangeGroupUuid === groupUuid);
    if (r === undefined) throw unknownUuid('IpRange', 'ip_range_uuid', rangeUuid);
    this.softDelete('ipRanges', r);
    return rangeUuid;
  }

  // ---- lease policies --------------------------------------------------------------------

  createLeasePolicy(p: { uuid?: string; mode?: string; timing?: string }): LeasePolicyRow {
    const uuid = this.newUuid('leasePolicies', 'lp', p.uuid);
    return this.insert('leasePolicies', { uuid, mode: p.mode ?? 'simple', timing: p.timing ?? 'immediate' });
  }

  deleteLeasePolicy(uuid: string): string {
    const lp = this.find('leasePolicies', 'lp', uuid);
    for (const l of this.live('leasePolicyNetworks')) if (l.leasePolicyUuid === uuid) this.softDelete('leasePolicyNetworks', l);
    for (const l of this.live('leasePolicyInterfaces')) if (l.leasePolicyUuid === uuid) this.softDelete('leasePolicyInterfaces', l);
    this.softDelete('leasePolicies', lp);
    return uuid;
  }

  linkLeasePolicyNetwork(lpUuid: string, networkUuid: string, p: { ip_range_group_uuid: string }): LeasePolicyNetworkRow {
    this.find('leasePolicies', 'lp', lpUuid);
    this.find('networks', 'nw', networkUuid, 'network_uuid');
    this.find('ipRangeGroups', 'iprg', p.ip_range_group_uuid, 'ip_range_group_uuid');
    return this.insert('leasePolicyNetworks', { leasePolicyUuid: lpUuid, networkUuid, ipRangeGroupUuid: p.ip_range_group_uuid });
  }

  leasePolicyNetworks(lpUuid: string): LeasePolicyNetworkRow[] {
    this.find('leasePolicies', 'lp', lpUuid);
    return this.live('leasePolicyNetworks').filter((l) => l.leasePolicyUuid === lpUuid);
  }

  unlinkLeasePolicyNetwork(lpUuid: string, networkUuid: string): string {
    const links = this.leasePolicyNetworks(lpUuid).filter((l) => l.networkUuid === networkUuid);
    if (links.length === 0) throw unknownUuid('Network', 'network_uuid', networkUuid);
    for (const l of links) this.softDelete('leasePolicyNetworks', l);
    return lpUuid;
  }

  /** Picks a free address from the policy's first network and range group (500 when none left; 400 when the policy cannot allocate: a client-caused state). */
  private allocateFromPolicy(lp: LeasePolicyRow, mac?: number): { network: NetworkRow; address: number } {
    if (lp.timing !== 'immediate') {
      throw argumentError(`lease policy ${lp.uuid}: timing '${lp.timing}' does not allocate`);
    }
    const link = this.live('leasePolicyNetworks').find((l) => l.leasePolicyUuid === lp.uuid);
    if (link === undefined) throw argumentError(`lease policy ${lp.uuid} has no network`);
    const network = this.find('networks', 'nw', link.networkUuid, 'network_uuid');
    const group = this.find('ipRangeGroups', 'iprg', link.ipRangeGroupUuid, 'ip_range_group_uuid');
    if (group.allocationType === 'random') {
      throw argumentError(`ip range group ${group.uuid}: allocation type 'random' is not implemented`);
    }
    const taken = new Set(this.live('ipLeases').filter((l) => l.networkUuid === network.uuid).map((l) => l.ipv4Address));
    const address = allocateAddress({
      ranges: this.live('ipRanges').filter((r) => r.ipRangeGroupUuid === group.uuid),
      network: network.ipv4Network,
      prefix: network.ipv4Prefix,
      taken,
      after: this.state.lastLeasedAddress,
      allocationType: group.allocationType === 'decremental' ? 'decremental' : 'incremental',
      preferred: mac === undefined ? null : this.state.leasedByMac[stickyKey(network.uuid, mac)] ?? null,
    });
    if (address === null) {
      throw VnetApiError.internal('RuntimeError', `Run out of dynamic IP addresses in ${group.uuid} for network ${network.uuid}`);
    }
    return { network, address };
  }

  /** POST /lease_policies/:lp/interfaces/:if: an immediate IP lease on the interface's first MAC lease. */
  allocateForInterface(lpUuid: string, interfaceUuid: string, p: { label?: string }): IpLeaseRow {
    const lp = this.find('leasePolicies', 'lp', lpUuid);
    this.find('interfaces', 'if', interfaceUuid, 'interface_uuid');
    const macLease = this.macLeasesOf(interfaceUuid)[0];
    if (macLease === undefined) {
      throw argumentError(`interface ${interfaceUuid} has no mac lease to attach a lease policy address to`);
    }
    const { network, address } = this.allocateFromPolicy(lp, macLease.macAddress);
    this.insert('leasePolicyInterfaces', { leasePolicyUuid: lpUuid, interfaceUuid, label: p.label ?? null });
    return this.insertIpLease(network.uuid, address, interfaceUuid, macLease.uuid, false, lpUuid, p.label ?? null, undefined);
  }

  leasePolicyInterfaces(lpUuid: string): InterfaceRow[] {
    this.find('leasePolicies', 'lp', lpUuid);
    const uuids = new Set(this.live('leasePolicyInterfaces').filter((l) => l.leasePolicyUuid === lpUuid).map((l) => l.interfaceUuid));
    return this.live('interfaces').filter((i) => uuids.has(i.uuid));
  }

  unlinkLeasePolicyInterface(lpUuid: string, interfaceUuid: string): string {
    this.find('leasePolicies', 'lp', lpUuid);
    const links = this.live('leasePolicyInterfaces').filter((l) => l.leasePolicyUuid === lpUuid && l.interfaceUuid === interfaceUuid);
    if (links.length === 0) throw unknownUuid('Interface', 'interface_uuid', interfaceUuid);
    for (const l of links) this.softDelete('leasePolicyInterfaces', l);
    return lpUuid;
  }

  /** POST /lease_policies/:lp/ip_leases: an address with no interface. */
  allocateLease(lpUuid: string, p: { ip_lease_uuid?: string; label?: string }): IpLeaseRow {
    const lp = this.find('leasePolicies', 'lp', lpUuid);
    if (p.ip_lease_uuid !== undefined) this.newUuid('ipLeases', 'il', p.ip_lease_uuid);
    const { network, address } = this.allocateFromPolicy(lp);
    return this.insertIpLease(network.uuid, address, null, null, false, lpUuid, p.label ?? null, p.ip_lease_uuid);
  }

  leasePolicyIpLeases(lpUuid: string): IpLeaseRow[] {
    this.find('leasePolicies', 'lp', lpUuid);
    return this.live('ipLeases').filter((l) => l.leasePolicyUuid === lpUuid);
  }

  // ---- MAC pools -------------------------------------------------------------------------

  createMacRangeGroup(p: { uuid?: string; allocation_type?: string }): MacRangeGroupRow {
    const uuid = this.newUuid('macRangeGroups', 'mrg', p.uuid);
    return this.insert('macRangeGroups', { uuid, allocationType: p.allocation_type ?? 'random' });
  }

  deleteMacRangeGroup(uuid: string): string {
    const g = this.find('macRangeGroups', 'mrg', uuid);
    for (const r of this.live('macRanges')) if (r.macRangeGroupUuid === uuid) this.softDelete('macRanges', r);
    this.softDelete('macRangeGroups', g);
    return uuid;
  }

  addMacRange(groupUuid: string, p: { uuid?: string; begin_mac_address: number; end_mac_address: number }): MacRangeRow {
    this.find('macRangeGroups', 'mrg', groupUuid);
    const uuid = this.newUuid('macRanges', 'mr', p.uuid);
    if (p.begin_mac_address > p.end_mac_address) throw argumentError('begin_mac_address is after end_mac_address');
    return this.insert('macRanges', { uuid, macRangeGroupUuid: groupUuid, begin: p.begin_mac_address, end: p.end_mac_address });
  }

  macRanges(groupUuid: string): MacRangeRow[] {
    this.find('macRangeGroups', 'mrg', groupUuid);
    return this.live('macRanges').filter((r) => r.macRangeGroupUuid === groupUuid);
  }

  removeMacRange(groupUuid: string, rangeUuid: string): string {
    this.find('macRangeGroups', 'mrg', groupUuid);
    const r = this.live('macRanges').find((x) => x.uuid === rangeUuid && x.macRangeGroupUuid === groupUuid);
    if (r === undefined) throw unknownUuid('MacRange', 'mac_range_uuid', rangeUuid);
    this.softDelete('macRanges', r);
    return rangeUuid;
  }

  /** A free MAC from the group's ranges, starting at a random point and wrapping. */
  private leaseMacFromGroup(groupUuid: string): number {
    const ranges = this.live('macRanges').filter((r) => r.macRangeGroupUuid === groupUuid);
    const used = new Set(this.live('macLeases').map((m) => m.macAddress));
    for (const m of this.live('datapathNetworks')) used.add(m.macAddress);
    const total = ranges.reduce((n, r) => n + (r.end - r.begin + 1), 0);
    if (total > 0) {
      const start = this.deps.randomInt(total);
      const limit = Math.min(total, 1 << 20);
      for (let k = 0; k < limit; k++) {
        let i = (start + k) % total;
        for (const r of ranges) {
          const size = r.end - r.begin + 1;
          if (i < size) {
            const mac = r.begin + i;
            if (!used.has(mac)) return mac;
            break;
          }
          i -= size;
        }
      }
    }
    throw VnetApiError.internal('RuntimeError', `Run out of MAC addresses in ${groupUuid}`);
  }
}
