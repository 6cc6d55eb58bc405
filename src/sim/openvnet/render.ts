// Rows of the embedded webapi → OpenVNet's wire JSON (spec B3/B5).
import { formatIPv4 } from '../../lib/ipv4';
import { formatMac } from '../../lib/openvnet/address';
import type {
  DatapathNetworkRow, DatapathRow, DnsRecordRow, DnsServiceRow, InterfaceRow, IpLeaseRow, IpRangeGroupRow, IpRangeRow,
  LeasePolicyNetworkRow, LeasePolicyRow, MacLeaseRow, MacRangeGroupRow, MacRangeRow, NetworkRow, NetworkServiceRow, PortRow,
  UuidRow, VnetModel,
} from './model';

export type WireObject = { [key: string]: unknown };

function rowBase(r: { id: number; createdAt: string; updatedAt: string; deletedAt: string | null; isDeleted: number }): WireObject {
  return { id: r.id, created_at: r.createdAt, updated_at: r.updatedAt, deleted_at: r.deletedAt, is_deleted: r.isDeleted };
}

function base(r: UuidRow): WireObject {
  return { id: r.id, uuid: r.uuid, ...rowBase(r) };
}

export function renderList(items: WireObject[], offset: string | undefined, limit: string | undefined): WireObject {
  const from = offset !== undefined && /^\d+$/.test(offset) ? Number(offset) : 0;
  const count = limit !== undefined && /^\d+$/.test(limit) ? Number(limit) : 30;
  return {
    total_count: items.length,
    offset: offset ?? 0,
    limit: limit ?? 30,
    items: items.slice(from, from + count),
  };
}

export class Renderer {
  constructor(private readonly model: VnetModel) {}

  private idOf(table: 'networks' | 'datapaths' | 'interfaces', uuid: string | null): number | null {
    if (uuid === null) return null;
    return (this.model.state[table] as UuidRow[]).find((r) => r.uuid === uuid && r.isDeleted === 0)?.id ?? null;
  }

  datapath(r: DatapathRow): WireObject {
    return { ...base(r), display_name: r.displayName, dpid: r.dpid, node_id: r.nodeId, enable_ovs_learn_action: r.enableOvsLearnAction };
  }

  network(r: NetworkRow): WireObject {
    return {
      ...base(r), display_name: r.displayName, ipv4_network: formatIPv4(r.ipv4Network), ipv4_prefix: r.ipv4Prefix,
      mode: r.mode, network_mode: r.mode, domain_name: r.domainName, segment_id: null, segment_uuid: r.segmentUuid,
      topology_uuid: r.topologyUuid,
    };
  }

  leasePolicyNetwork(link: LeasePolicyNetworkRow, nw: NetworkRow): WireObject {
    return { ...this.network(nw), ip_range_group_uuid: link.ipRangeGroupUuid };
  }

  ipLease(r: IpLeaseRow): WireObject {
    const networkId = this.idOf('networks', r.networkUuid);
    return {
      ...base(r), interface_uuid: r.interfaceUuid, mac_lease_uuid: r.macLeaseUuid, network_uuid: r.networkUuid,
      ipv4_address: formatIPv4(r.ipv4Address), enable_routing: r.enableRouting, network_id: networkId,
      lease_policy_uuid: r.leasePolicyUuid, label: r.label,
      ip_address: { id: r.id, network_id: networkId, ipv4_address: r.ipv4Address, ...rowBase(r) },
    };
  }

  macLease(r: MacLeaseRow): WireObject {
    const ipLeases = this.model.live('ipLeases').filter((l) => l.macLeaseUuid === r.uuid);
    return {
      ...base(r), interface_uuid: r.interfaceUuid, mac_address: formatMac(r.macAddress), segment_id: null,
      segment_uuid: r.segmentUuid, ip_leases: ipLeases.map((l) => this.ipLease(l)),
    };
  }

  /** Nested leases filled; mac_address / network_uuid / ipv4_address only when leased; no port fields. */
  interface(r: InterfaceRow): WireObject {
    const macLeases = this.model.macLeasesOf(r.uuid);
    const ipLeases = this.model.ipLeasesOf(r.uuid);
    const out: WireObject = {
      ...base(r), mode: r.mode, display_name: r.displayName, enable_routing: r.enableRouting,
      enable_route_translation: r.enableRouteTranslation, enable_filtering: r.enableFiltering,
      enable_legacy_filtering: r.enableLegacyFiltering,
    };
    if (macLeases.length > 0) out.mac_address = formatMac(macLeases[0].macAddress);
    if (ipLeases.length > 0) {
      out.network_uuid = ipLeases[0].networkUuid;
      out.ipv4_address = formatIPv4(ipLeases[0].ipv4Address);
    }
    out.mac_leases = macLeases.map((m) => this.macLease(m));
    out.ip_leases = ipLeases.map((l) => this.ipLease(l));
    return out;
  }

  port(r: PortRow): WireObject {
    return {
      ...rowBase(r), interface_id: this.idOf('interfaces', r.interfaceUuid), datapath_id: this.idOf('datapaths', r.datapathUuid),
      port_name: r.portName, singular: r.singular, interface_uuid: r.interfaceUuid, datapath_uuid: r.datapathUuid,
    };
  }

  networkService(r: NetworkServiceRow): WireObject {
    return {
      ...base(r), mode: r.mode, type: r.mode, interface_uuid: r.interfaceUuid, display_name: r.displayName,
      incoming_port: r.incomingPort, outgoing_port: r.outgoingPort,
    };
  }

  dnsService(r: DnsServiceRow): WireObject {
    return { ...base(r), network_service_uuid: r.networkServiceUuid, public_dns: r.publicDns };
  }

  dnsRecord(r: DnsRecordRow): WireObject {
    return { ...base(r), dns_service_uuid: r.dnsServiceUuid, name: r.name, ipv4_address: r.ipv4Address === null ? null : formatIPv4(r.ipv4Address) };
  }

  ipRangeGroup(r: IpRangeGroupRow): WireObject {
    return { ...base(r), allocation_type: r.allocationType };
  }

  /** begin/end as integers, as OpenVNet returns them. */
  ipRange(r: IpRangeRow): WireObject {
    return { ...base(r), ip_range_group_uuid: r.ipRangeGroupUuid, begin_ipv4_address: r.begin, end_ipv4_address: r.end };
  }

  leasePolicy(r: LeasePolicyRow): WireObject {
    return { ...base(r), mode: r.mode, timing: r.timing };
  }

  macRangeGroup(r: MacRangeGroupRow): WireObject {
    return { ...base(r), allocation_type: r.allocationType };
  }

  macRange(r: MacRangeRow): WireObject {
    return { ...base(r), mac_range_group_uuid: r.macRangeGroupUuid, begin_mac_address: r.begin, end_mac_address: r.end };
  }

  /** The raw DatapathNetwork row (integer ids). */
  datapathNetwork(r: DatapathNetworkRow): WireObject {
    return {
      ...rowBase(r), datapath_id: this.idOf('datapaths', r.datapathUuid), network_id: this.idOf('networks', r.networkUuid),
      interface_id: this.idOf('interfaces', r.interfaceUuid), mac_address: r.macAddress,
    };
  }
}
