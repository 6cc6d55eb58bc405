// The OpenVNet records as marathon-vnet sees them (camelCase; the wire spelling lives in codec.ts).
// Addresses are strings: IPv4 dotted, MAC `aa:bb:cc:dd:ee:ff`, dpid `0x` + 16 hex digits.

export type InterfaceMode = 'vif' | 'simulated' | 'host' | 'internal' | 'patch' | 'promiscuous' | 'remote';
export type NetworkMode = 'virtual' | 'physical' | 'internal';
export type NetworkServiceMode = 'dhcp' | 'dns' | 'router';
export type AllocationType = 'incremental' | 'decremental' | 'random';
export type LeasePolicyTiming = 'immediate' | 'dhcp';

interface Record {
  id: number;
  uuid: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface Datapath extends Record {
  displayName: string;
  dpid: string;
  nodeId: string;
  enableOvsLearnAction: boolean;
}

export interface Network extends Record {
  displayName: string;
  ipv4Network: string;
  ipv4Prefix: number;
  mode: string;
  domainName?: string;
}

export interface IpLease extends Record {
  interfaceUuid: string | null;
  macLeaseUuid: string | null;
  networkUuid: string;
  ipv4Address: string;
  enableRouting: boolean;
}

export interface MacLease extends Record {
  interfaceUuid: string | null;
  macAddress: string;
  ipLeases: IpLease[];
}

export interface Interface extends Record {
  mode: string;
  displayName: string | null;
  enableRouting: boolean;
  enableRouteTranslation: boolean;
  enableFiltering: boolean;
  /** Present only when the interface holds a MAC lease. */
  macAddress?: string;
  /** Present only when the interface holds an IP lease. */
  networkUuid?: string;
  ipv4Address?: string;
  macLeases: MacLease[];
  ipLeases: IpLease[];
}

export interface InterfacePort {
  id: number;
  uuid?: string;
  interfaceUuid: string;
  datapathUuid: string | null;
  portName: string | null;
  singular: boolean | null;
}

export interface NetworkService extends Record {
  mode: string;
  interfaceUuid: string | null;
  displayName: string | null;
  incomingPort: number | null;
  outgoingPort: number | null;
}

export interface IpRangeGroup extends Record {
  allocationType: string;
}

export interface IpRange extends Record {
  ipRangeGroupUuid?: string;
  /** Dotted (the wire carries integers). */
  beginIpv4Address: string;
  endIpv4Address: string;
}

export interface LeasePolicy extends Record {
  mode: string;
  timing: string;
}

/** A network linked to a lease policy; `ipRangeGroupUuid` is an extension of the embedded server. */
export interface LeasePolicyNetwork extends Network {
  ipRangeGroupUuid?: string;
}

export interface MacRangeGroup extends Record {
  allocationType: string;
}

export interface MacRange extends Record {
  beginMacAddress: string;
  endMacAddress: string;
}

export interface DnsService extends Record {
  networkServiceUuid: string | null;
  publicDns: string | null;
}

export interface ListPage<T> {
  totalCount: number;
  items: T[];
}
