// The route table of the embedded OpenVNet webapi (spec B5/B8): path, declared params and the
// model call for each route. server.ts mounts it; init-file.ts reuses the create param specs.
import { invalidUuid, unknownUuid } from '../../lib/openvnet/errors';
import {
  ALLOCATION_TYPES, INTERFACE_MODES, NETWORK_MODES, NETWORK_SERVICE_MODES, type VnetModel,
} from './model';
import { P, parseParams, type ParamSpec, type Parsed, type RawParams } from './params';
import type { Renderer, WireObject } from './render';
import { MODEL_BY_PREFIX, isPathUuid, type UuidPrefix } from './uuid';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A list answer; the server wraps it in the envelope with the request's offset/limit. */
export class ListBody {
  constructor(readonly items: WireObject[]) {}
}

export interface RouteContext {
  model: VnetModel;
  render: Renderer;
  path: { [name: string]: string };
}

export interface RouteDef {
  method: HttpMethod;
  /** Fastify path below `/api`. */
  path: string;
  /** Path params that are uuids, with their prefix. */
  pathUuids: { [name: string]: UuidPrefix };
  params: ParamSpec;
  run(ctx: RouteContext, raw: RawParams): unknown;
}

function route<S extends ParamSpec>(
  method: HttpMethod, path: string, pathUuids: { [name: string]: UuidPrefix }, params: S,
  handle: (ctx: RouteContext, p: Parsed<S>) => unknown,
): RouteDef {
  return { method, path, pathUuids, params, run: (ctx, raw) => handle(ctx, parseParams(params, raw)) };
}

/** Path uuids: wrong prefix or shape → 400/101; the lookup itself answers 404/100. */
export function checkPathUuids(def: RouteDef, path: { [name: string]: string }): void {
  for (const [name, prefix] of Object.entries(def.pathUuids)) {
    const value = path[name] ?? '';
    if (!isPathUuid(prefix, value)) throw invalidUuid(MODEL_BY_PREFIX[prefix], name, value);
  }
}

// ---- create param specs (shared with init-file.ts) ----------------------------------------

const R = P.required;

export const DATAPATH_CREATE = {
  uuid: P.uuid('dp'), display_name: R(P.string()), dpid: R(P.dpid()), node_id: R(P.string()), enable_ovs_learn_action: P.bool(),
} as const;
export const NETWORK_CREATE = {
  uuid: P.uuid('nw'), display_name: P.string(), ipv4_network: R(P.ipv4()), ipv4_prefix: P.int(1, 32),
  network_mode: P.enumOf(NETWORK_MODES), mode: P.enumOf(NETWORK_MODES), domain_name: P.string(),
  segment_uuid: P.uuid('seg'), topology_uuid: P.uuid('topo'),
} as const;
export const INTERFACE_CREATE = {
  uuid: P.uuid('if'), mode: R(P.enumOf(INTERFACE_MODES)), owner_datapath_uuid: P.uuid('dp'), network_uuid: P.uuid('nw'),
  segment_uuid: P.uuid('seg'), mac_address: P.mac(), ipv4_address: P.ipv4(), port_name: P.string(),
  mac_range_group_uuid: P.uuid('mrg'), display_name: P.string(), enable_routing: P.bool(),
  enable_route_translation: P.bool(), enable_filtering: P.bool(),
} as const;
export const NETWORK_SERVICE_CREATE = {
  uuid: P.uuid('ns'), mode: P.enumOf(NETWORK_SERVICE_MODES), type: P.enumOf(NETWORK_SERVICE_MODES),
  interface_uuid: P.uuid('if'), display_name: P.string(), incoming_port: P.int(0, 65535), outgoing_port: P.int(0, 65535),
} as const;
export const IP_RANGE_GROUP_CREATE = { uuid: P.uuid('iprg'), allocation_type: P.enumOf(ALLOCATION_TYPES) } as const;
export const IP_RANGE_CREATE = { uuid: P.uuid('ipr'), begin_ipv4_address: R(P.ipv4()), end_ipv4_address: R(P.ipv4()) } as const;
export const LEASE_POLICY_CREATE = { uuid: P.uuid('lp'), mode: P.enumOf(['simple'] as const), timing: P.enumOf(['immediate', 'dhcp'] as const) } as const;
export const LEASE_POLICY_NETWORK_LINK = { ip_range_group_uuid: R(P.uuid('iprg')) } as const;
export const MAC_RANGE_GROUP_CREATE = { uuid: P.uuid('mrg'), allocation_type: P.enumOf(ALLOCATION_TYPES) } as const;
export const MAC_RANGE_CREATE = { uuid: P.uuid('mr'), begin_mac_address: R(P.mac()), end_mac_address: R(P.mac()) } as const;

/** Segments and topologies are not implemented: no such row can exist. */
function rejectUnimplemented(p: { segment_uuid?: string; topology_uuid?: string }): void {
  if (p.segment_uuid !== undefined) throw unknownUuid('Segment', 'segment_uuid', p.segment_uuid);
  if (p.topology_uuid !== undefined) throw unknownUuid('Topology', 'topology_uuid', p.topology_uuid);
}

const none = {} as const;
const list = (items: WireObject[]) => new ListBody(items);

export function buildRoutes(): RouteDef[] {
  return [
    // datapaths
    route('POST', '/datapaths', {}, DATAPATH_CREATE, ({ model, render }, p) => render.datapath(model.createDatapath(p))),
    route('GET', '/datapaths', {}, none, ({ model, render }) => list(model.live('datapaths').map((r) => render.datapath(r)))),
    route('GET', '/datapaths/:uuid', { uuid: 'dp' }, none, ({ model, render, path }) => render.datapath(model.find('datapaths', 'dp', path.uuid))),
    route('PUT', '/datapaths/:uuid', { uuid: 'dp' }, { display_name: P.string(), enable_ovs_learn_action: P.bool() },
      ({ model, render, path }, p) => render.datapath(model.updateDatapath(path.uuid, p))),
    route('DELETE', '/datapaths/:uuid', { uuid: 'dp' }, none, ({ model, path }) => [model.deleteDatapath(path.uuid)]),
    route('POST', '/datapaths/:uuid/networks/:network_uuid', { uuid: 'dp', network_uuid: 'nw' },
      { interface_uuid: R(P.uuid('if')), mac_address: P.mac() },
      ({ model, render, path }, p) => render.datapathNetwork(model.addDatapathNetwork(path.uuid, path.network_uuid, p))),
    route('GET', '/datapaths/:uuid/networks', { uuid: 'dp' }, none,
      ({ model, render, path }) => list(model.datapathNetworks(path.uuid).map((n) => render.network(n)))),
    route('DELETE', '/datapaths/:uuid/networks/:network_uuid', { uuid: 'dp', network_uuid: 'nw' }, none,
      ({ model, path }) => [model.removeDatapathNetwork(path.uuid, path.network_uuid)]),

    // networks
    route('POST', '/networks', {}, NETWORK_CREATE, ({ model, render }, p) => {
      rejectUnimplemented(p);
      return render.network(model.createNetwork(p));
    }),
    route('GET', '/networks', {}, none, ({ model, render }) => list(model.live('networks').map((r) => render.network(r)))),
    route('GET', '/networks/:uuid', { uuid: 'nw' }, none, ({ model, render, path }) => render.network(model.find('networks', 'nw', path.uuid))),
    route('PUT', '/networks/:uuid', { uuid: 'nw' }, { display_name: P.string(), domain_name: P.string() },
      ({ model, render, path }, p) => render.network(model.updateNetwork(path.uuid, p))),
    route('DELETE', '/networks/:uuid', { uuid: 'nw' }, none, ({ model, path }) => [model.deleteNetwork(path.uuid)]),

    // interfaces
    route('POST', '/interfaces', {}, INTERFACE_CREATE, ({ model, render }, p) => {
      rejectUnimplemented(p);
      return render.interface(model.createInterface(p));
    }),
    route('GET', '/interfaces', {}, none, ({ model, render }) => list(model.live('interfaces').map((r) => render.interface(r)))),
    route('GET', '/interfaces/:uuid', { uuid: 'if' }, none, ({ model, render, path }) => render.interface(model.find('interfaces', 'if', path.uuid))),
    route('PUT', '/interfaces/:uuid', { uuid: 'if' }, { display_name: P.string() },
      ({ model, render, path }, p) => render.interface(model.updateInterface(path.uuid, p))),
    route('DELETE', '/interfaces/:uuid', { uuid: 'if' }, none, ({ model, path }) => [model.deleteInterface(path.uuid)]),
    route('POST', '/interfaces/:uuid/ports', { uuid: 'if' }, { datapath_uuid: P.uuid('dp'), port_name: P.string(), singular: P.bool() },
      ({ model, render, path }, p) => render.port(model.addInterfacePort(path.uuid, p))),
    route('GET', '/interfaces/:uuid/ports', { uuid: 'if' }, none,
      ({ model, render, path }) => list(model.interfacePorts(path.uuid).map((r) => render.port(r)))),
    route('DELETE', '/interfaces/:uuid/ports', { uuid: 'if' }, { datapath_uuid: P.uuid('dp'), port_name: P.string(), singular: P.bool() },
      ({ model, render, path }, p) => model.removeInterfacePorts(path.uuid, p).map((r) => render.port(r))),

    // MAC leases
    route('POST', '/mac_leases', {}, { uuid: P.uuid('ml'), interface_uuid: R(P.uuid('if')), mac_address: R(P.mac()), segment_uuid: P.uuid('seg') },
      ({ model, render }, p) => {
        rejectUnimplemented(p);
        return render.macLease(model.createMacLease(p));
      }),
    route('GET', '/mac_leases', {}, none, ({ model, render }) => list(model.live('macLeases').map((r) => render.macLease(r)))),
    route('GET', '/mac_leases/:uuid', { uuid: 'ml' }, none, ({ model, render, path }) => render.macLease(model.find('macLeases', 'ml', path.uuid))),
    route('PUT', '/mac_leases/:uuid', { uuid: 'ml' }, { interface_uuid: P.uuid('if') },
      ({ model, render, path }, p) => render.macLease(model.updateMacLease(path.uuid, p))),
    route('DELETE', '/mac_leases/:uuid', { uuid: 'ml' }, none, ({ model, path }) => [model.deleteMacLease(path.uuid)]),

    // IP leases
    route('POST', '/ip_leases', {}, {
      uuid: P.uuid('il'), network_uuid: R(P.uuid('nw')), ipv4_address: R(P.ipv4()), mac_lease_uuid: P.uuid('ml'),
      interface_uuid: P.uuid('if'), enable_routing: P.bool(),
    }, ({ model, render }, p) => render.ipLease(model.createIpLease(p))),
    route('GET', '/ip_leases', {}, none, ({ model, render }) => list(model.live('ipLeases').map((r) => render.ipLease(r)))),
    route('GET', '/ip_leases/:uuid', { uuid: 'il' }, none, ({ model, render, path }) => render.ipLease(model.find('ipLeases', 'il', path.uuid))),
    route('PUT', '/ip_leases/:uuid', { uuid: 'il' }, { enable_routing: P.bool() },
      ({ model, render, path }, p) => render.ipLease(model.updateIpLease(path.uuid, p))),
    route('DELETE', '/ip_leases/:uuid', { uuid: 'il' }, none, ({ model, path }) => [model.deleteIpLease(path.uuid)]),
    route('PUT', '/ip_leases/:uuid/attach', { uuid: 'il' }, { interface_uuid: P.uuid('if'), mac_lease_uuid: P.uuid('ml') },
      ({ model, render, path }, p) => render.ipLease(model.attachIpLease(path.uuid, p))),
    route('PUT', '/ip_leases/:uuid/release', { uuid: 'il' }, none,
      ({ model, render, path }) => render.ipLease(model.releaseIpLease(path.uuid))),

    // network services
    route('POST', '/network_services', {}, NETWORK_SERVICE_CREATE, ({ model, render }, p) => render.networkService(model.createNetworkService(p))),
    route('GET', '/network_services', {}, none, ({ model, render }) => list(model.live('networkServices').map((r) => render.networkService(r)))),
    route('GET', '/network_services/:uuid', { uuid: 'ns' }, none,
      ({ model, render, path }) => render.networkService(model.find('networkServices', 'ns', path.uuid))),
    route('PUT', '/network_services/:uuid', { uuid: 'ns' }, { display_name: P.string(), incoming_port: P.int(0, 65535), outgoing_port: P.int(0, 65535) },
      ({ model, render, path }, p) => render.networkService(model.updateNetworkService(path.uuid, p))),
    route('DELETE', '/network_services/:uuid', { uuid: 'ns' }, none, ({ model, path }) => [model.deleteNetworkService(path.uuid)]),

    // DNS services (stored only)
    route('POST', '/dns_services', {}, { uuid: P.uuid('dnss'), network_service_uuid: R(P.uuid('ns')), public_dns: P.string() },
      ({ model, render }, p) => render.dnsService(model.createDnsService(p))),
    route('GET', '/dns_services', {}, none, ({ model, render }) => list(model.live('dnsServices').map((r) => render.dnsService(r)))),
    route('GET', '/dns_services/:uuid', { uuid: 'dnss' }, none,
      ({ model, render, path }) => render.dnsService(model.find('dnsServices', 'dnss', path.uuid))),
    route('DELETE', '/dns_services/:uuid', { uuid: 'dnss' }, none, ({ model, path }) => [model.deleteDnsService(path.uuid)]),
    route('POST', '/dns_services/:uuid/dns_records', { uuid: 'dnss' }, { uuid: R(P.uuid('dnsr')), name: R(P.string()), ipv4_address: P.ipv4() },
      ({ model, render, path }, p) => render.dnsRecord(model.addDnsRecord(path.uuid, p))),
    route('GET', '/dns_services/:uuid/dns_records', { uuid: 'dnss' }, none,
      ({ model, render, path }) => list(model.dnsRecords(path.uuid).map((r) => render.dnsRecord(r)))),
    route('DELETE', '/dns_services/:uuid/dns_records/:dns_record_uuid', { uuid: 'dnss', dns_record_uuid: 'dnsr' }, none,
      ({ model, path }) => [model.removeDnsRecord(path.uuid, path.dns_record_uuid)]),

    // IP range groups
    route('POST', '/ip_range_groups', {}, IP_RANGE_GROUP_CREATE, ({ model, render }, p) => render.ipRangeGroup(model.createIpRangeGroup(p))),
    route('GET', '/ip_range_groups', {}, none, ({ model, render }) => list(model.live('ipRangeGroups').map((r) => render.ipRangeGroup(r)))),
    route('GET', '/ip_range_groups/:uuid', { uuid: 'iprg' }, none,
      ({ model, render, path }) => render.ipRangeGroup(model.find('ipRangeGroups', 'iprg', path.uuid))),
    route('DELETE', '/ip_range_groups/:uuid', { uuid: 'iprg' }, none, ({ model, path }) => [model.deleteIpRangeGroup(path.uuid)]),
    route('POST', '/ip_range_groups/:uuid/ip_ranges', { uuid: 'iprg' }, IP_RANGE_CREATE,
      ({ model, render, path }, p) => render.ipRange(model.addIpRange(path.uuid, p))),
    route('GET', '/ip_range_groups/:uuid/ip_ranges', { uuid: 'iprg' }, none,
      ({ model, render, path }) => list(model.ipRanges(path.uuid).map((r) => render.ipRange(r)))),
    route('DELETE', '/ip_range_groups/:uuid/ip_ranges/:ip_range_uuid', { uuid: 'iprg', ip_range_uuid: 'ipr' }, none,
      ({ model, path }) => [model.removeIpRange(path.uuid, path.ip_range_uuid)]),

    // lease policies
    route('POST', '/lease_policies', {}, LEASE_POLICY_CREATE, ({ model, render }, p) => render.leasePolicy(model.createLeasePolicy(p))),
    route('GET', '/lease_policies', {}, none, ({ model, render }) => list(model.live('leasePolicies').map((r) => render.leasePolicy(r)))),
    route('GET', '/lease_policies/:uuid', { uuid: 'lp' }, none,
      ({ model, render, path }) => render.leasePolicy(model.find('leasePolicies', 'lp', path.uuid))),
    route('DELETE', '/lease_policies/:uuid', { uuid: 'lp' }, none, ({ model, path }) => [model.deleteLeasePolicy(path.uuid)]),
    route('POST', '/lease_policies/:uuid/networks/:network_uuid', { uuid: 'lp', network_uuid: 'nw' }, LEASE_POLICY_NETWORK_LINK,
      ({ model, path }, p) => {
        model.linkLeasePolicyNetwork(path.uuid, path.network_uuid, p);
        return { uuid: path.uuid };
      }),
    route('GET', '/lease_policies/:uuid/networks', { uuid: 'lp' }, none, ({ model, render, path }) =>
      list(model.leasePolicyNetworks(path.uuid).flatMap((l) => {
        const nw = model.live('networks').find((n) => n.uuid === l.networkUuid);
        return nw === undefined ? [] : [render.leasePolicyNetwork(l, nw)];
      }))),
    route('DELETE', '/lease_policies/:uuid/networks/:network_uuid', { uuid: 'lp', network_uuid: 'nw' }, none,
      ({ model, path }) => ({ uuid: model.unlinkLeasePolicyNetwork(path.uuid, path.network_uuid) })),
    route('POST', '/lease_policies/:uuid/interfaces/:interface_uuid', { uuid: 'lp', interface_uuid: 'if' }, { label: P.string() },
      ({ model, path }, p) => {
        model.allocateForInterface(path.uuid, path.interface_uuid, p);
        return { uuid: path.uuid };
      }),
    route('GET', '/lease_policies/:uuid/interfaces', { uuid: 'lp' }, none,
      ({ model, render, path }) => list(model.leasePolicyInterfaces(path.uuid).map((r) => render.interface(r)))),
    route('DELETE', '/lease_policies/:uuid/interfaces/:interface_uuid', { uuid: 'lp', interface_uuid: 'if' }, none,
      ({ model, path }) => ({ uuid: model.unlinkLeasePolicyInterface(path.uuid, path.interface_uuid) })),
    route('POST', '/lease_policies/:uuid/ip_leases', { uuid: 'lp' }, { ip_lease_uuid: P.uuid('il'), label: P.string() },
      ({ model, render, path }, p) => render.ipLease(model.allocateLease(path.uuid, p))),
    route('GET', '/lease_policies/:uuid/ip_leases', { uuid: 'lp' }, none,
      ({ model, render, path }) => list(model.leasePolicyIpLeases(path.uuid).map((r) => render.ipLease(r)))),

    // MAC range groups
    route('POST', '/mac_range_groups', {}, MAC_RANGE_GROUP_CREATE, ({ model, render }, p) => render.macRangeGroup(model.createMacRangeGroup(p))),
    route('GET', '/mac_range_groups', {}, none, ({ model, render }) => list(model.live('macRangeGroups').map((r) => render.macRangeGroup(r)))),
    route('GET', '/mac_range_groups/:uuid', { uuid: 'mrg' }, none,
      ({ model, render, path }) => render.macRangeGroup(model.find('macRangeGroups', 'mrg', path.uuid))),
    route('DELETE', '/mac_range_groups/:uuid', { uuid: 'mrg' }, none, ({ model, path }) => [model.deleteMacRangeGroup(path.uuid)]),
    route('POST', '/mac_range_groups/:uuid/mac_ranges', { uuid: 'mrg' }, MAC_RANGE_CREATE,
      ({ model, render, path }, p) => render.macRange(model.addMacRange(path.uuid, p))),
    route('GET', '/mac_range_groups/:uuid/mac_ranges', { uuid: 'mrg' }, none,
      ({ model, render, path }) => list(model.macRanges(path.uuid).map((r) => render.macRange(r)))),
    route('DELETE', '/mac_range_groups/:uuid/mac_ranges/:mac_range_uuid', { uuid: 'mrg', mac_range_uuid: 'mr' }, none,
      ({ model, path }) => [model.removeMacRange(path.uuid, path.mac_range_uuid)]),
  ];
}
