// The `vnet-api --init FILE` format: networks, DHCP services, IP pools and lease policies in one
// JSON document, applied through the same parameter rules as the HTTP routes. Idempotent:
// records whose uuid already exists are kept as they are.
import { VnetApiError } from '../../lib/openvnet/errors';
import type { VnetModel } from './model';
import { parseParams, type RawParams } from './params';
import {
  DATAPATH_CREATE, INTERFACE_CREATE, IP_RANGE_CREATE, IP_RANGE_GROUP_CREATE, LEASE_POLICY_CREATE, LEASE_POLICY_NETWORK_LINK,
  MAC_RANGE_CREATE, MAC_RANGE_GROUP_CREATE, NETWORK_CREATE, NETWORK_SERVICE_CREATE,
} from './routes';

export class InitFileError extends Error {
  readonly code = 'MVN_ERR_VNET_INIT';
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
  }
}

export interface InitResult {
  /** `kind uuid` of every record created. */
  created: string[];
  /** `kind uuid` of every record that already existed and was kept. */
  existing: string[];
}

type Json = { [k: string]: unknown };

const SECTIONS: { [k: string]: string[] } = {
  datapaths: ['uuid', 'display_name', 'dpid', 'node_id', 'enable_ovs_learn_action'],
  networks: ['uuid', 'display_name', 'ipv4_network', 'ipv4_prefix', 'mode', 'network_mode', 'domain_name'],
  dhcp_services: ['network_uuid', 'interface_uuid', 'mac_address', 'ipv4_address', 'network_service_uuid', 'display_name'],
  ip_range_groups: ['uuid', 'allocation_type', 'ip_ranges'],
  lease_policies: ['uuid', 'mode', 'timing', 'networks'],
  mac_range_groups: ['uuid', 'allocation_type', 'mac_ranges'],
};
const NESTED: { [k: string]: string[] } = {
  ip_ranges: ['uuid', 'begin_ipv4_address', 'end_ipv4_address'],
  networks: ['network_uuid', 'ip_range_group_uuid'],
  mac_ranges: ['uuid', 'begin_mac_address', 'end_mac_address'],
};

function asObject(value: unknown, where: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InitFileError(where, 'must be an object');
  return value as Json;
}

function asArray(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InitFileError(where, 'must be an array');
  return value;
}

/** Scalar fields as the strings a form body would carry; unknown keys are an error. */
function toRaw(o: Json, allowed: string[], where: string, nested: string[] = []): RawParams {
  const raw: RawParams = {};
  for (const [k, v] of Object.entries(o)) {
    if (!allowed.includes(k)) throw new InitFileError(`${where}.${k}`, 'unknown field');
    if (nested.includes(k)) continue;
    if (typeof v === 'string') raw[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') raw[k] = String(v);
    else if (v !== null) throw new InitFileError(`${where}.${k}`, 'must be a string, number or boolean');
  }
  return raw;
}

function hasLive(model: VnetModel, table: 'datapaths' | 'networks' | 'interfaces' | 'networkServices' | 'ipRangeGroups' | 'ipRanges' | 'leasePolicies' | 'macRangeGroups' | 'macRanges', uuid: string | undefined): boolean {
  return uuid !== undefined && model.live(table).some((r) => r.uuid === uuid);
}

/** Applies the spec to the model in file order: datapaths, networks, MAC pools, DHCP, IP pools, lease policies. */
export function applyInitSpec(model: VnetModel, spec: unknown): InitResult {
  const doc = asObject(spec, '$');
  for (const key of Object.keys(doc)) if (!(key in SECTIONS)) throw new InitFileError(`$.${key}`, 'unknown section');
  const result: InitResult = { created: [], existing: [] };
  const at = <T>(where: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof VnetApiError) throw new InitFileError(where, `${err.message} (OpenVNet code ${err.code})`);
      throw err;
    }
  };
  const note = (created: boolean, what: string) => (created ? result.created : result.existing).push(what);

  asArray(doc.datapaths, '$.datapaths').forEach((entry, i) => {
    const where = `$.datapaths[${i}]`;
    const raw = toRaw(asObject(entry, where), SECTIONS.datapaths, where);
    if (hasLive(model, 'datapaths', raw.uuid)) return note(false, `datapath ${raw.uuid}`);
    const dp = at(where, () => model.createDatapath(parseParams(DATAPATH_CREATE, raw)));
    note(true, `datapath ${dp.uuid}`);
  });

  asArray(doc.networks, '$.networks').forEach((entry, i) => {
    const where = `$.networks[${i}]`;
    const raw = toRaw(asObject(entry, where), SECTIONS.networks, where);
    if (hasLive(model, 'networks', raw.uuid)) return note(false, `network ${raw.uuid}`);
    const nw = at(where, () => model.createNetwork(parseParams(NETWORK_CREATE, raw)));
    note(true, `network ${nw.uuid}`);
  });

  asArray(doc.mac_range_groups, '$.mac_range_groups').forEach((entry, i) => {
    const where = `$.mac_range_groups[${i}]`;
    const o = asObject(entry, where);
    const raw = toRaw(o, SECTIONS.mac_range_groups, where, ['mac_ranges']);
    let uuid = raw.uuid;
    if (hasLive(model, 'macRangeGroups', uuid)) note(false, `mac_range_group ${uuid}`);
    else {
      uuid = at(where, () => model.createMacRangeGroup(parseParams(MAC_RANGE_GROUP_CREATE, raw))).uuid;
      note(true, `mac_range_group ${uuid}`);
    }
    asArray(o.mac_ranges, `${where}.mac_ranges`).forEach((r, j) => {
      const w = `${where}.mac_ranges[${j}]`;
      const rr = toRaw(asObject(r, w), NESTED.mac_ranges, w);
      const p = at(w, () => parseParams(MAC_RANGE_CREATE, rr));
      const same = model.macRanges(uuid as string).some((x) => x.uuid === p.uuid || (x.begin === p.begin_mac_address && x.end === p.end_mac_address));
      if (same) return note(false, `mac_range ${p.uuid ?? rr.begin_mac_address}`);
      note(true, `mac_range ${at(w, () => model.addMacRange(uuid as string, p)).uuid}`);
    });
  });

  asArray(doc.dhcp_services, '$.dhcp_services').forEach((entry, i) => {
    const where = `$.dhcp_services[${i}]`;
    const raw = toRaw(asObject(entry, where), SECTIONS.dhcp_services, where);
    for (const req of ['network_uuid', 'interface_uuid', 'mac_address', 'ipv4_address']) {
      if (raw[req] === undefined) throw new InitFileError(`${where}.${req}`, 'required');
    }
    const itfUuid = raw.interface_uuid;
    if (hasLive(model, 'interfaces', itfUuid)) note(false, `interface ${itfUuid}`);
    else {
      const p = at(where, () => parseParams(INTERFACE_CREATE, {
        uuid: itfUuid, mode: 'simulated', network_uuid: raw.network_uuid, mac_address: raw.mac_address,
        ipv4_address: raw.ipv4_address, ...(raw.display_name !== undefined ? { display_name: raw.display_name } : {}),
      }));
      at(where, () => model.createInterface(p));
      note(true, `interface ${itfUuid}`);
    }
    const nsUuid = raw.network_service_uuid;
    const exists = nsUuid !== undefined
      ? hasLive(model, 'networkServices', nsUuid)
      : model.live('networkServices').some((s) => s.interfaceUuid === itfUuid && s.mode === 'dhcp');
    if (exists) return note(false, `network_service ${nsUuid ?? `dhcp on ${itfUuid}`}`);
    const ns = at(where, () => model.createNetworkService(parseParams(NETWORK_SERVICE_CREATE, {
      mode: 'dhcp', interface_uuid: itfUuid, ...(nsUuid !== undefined ? { uuid: nsUuid } : {}),
    })));
    note(true, `network_service ${ns.uuid}`);
  });

  asArray(doc.ip_range_groups, '$.ip_range_groups').forEach((entry, i) => {
    const where = `$.ip_range_groups[${i}]`;
    const o = asObject(entry, where);
    const raw = toRaw(o, SECTIONS.ip_range_groups, where, ['ip_ranges']);
    let uuid = raw.uuid;
    if (hasLive(model, 'ipRangeGroups', uuid)) note(false, `ip_range_group ${uuid}`);
    else {
      uuid = at(where, () => model.createIpRangeGroup(parseParams(IP_RANGE_GROUP_CREATE, raw))).uuid;
      note(true, `ip_range_group ${uuid}`);
    }
    asArray(o.ip_ranges, `${where}.ip_ranges`).forEach((r, j) => {
      const w = `${where}.ip_ranges[${j}]`;
      const rr = toRaw(asObject(r, w), NESTED.ip_ranges, w);
      const p = at(w, () => parseParams(IP_RANGE_CREATE, rr));
      const same = model.ipRanges(uuid as string).some((x) => x.uuid === p.uuid || (x.begin === p.begin_ipv4_address && x.end === p.end_ipv4_address));
      if (same) return note(false, `ip_range ${p.uuid ?? rr.begin_ipv4_address}`);
      note(true, `ip_range ${at(w, () => model.addIpRange(uuid as string, p)).uuid}`);
    });
  });

  asArray(doc.lease_policies, '$.lease_policies').forEach((entry, i) => {
    const where = `$.lease_policies[${i}]`;
    const o = asObject(entry, where);
    const raw = toRaw(o, SECTIONS.lease_policies, where, ['networks']);
    let uuid = raw.uuid;
    if (hasLive(model, 'leasePolicies', uuid)) note(false, `lease_policy ${uuid}`);
    else {
      uuid = at(where, () => model.createLeasePolicy(parseParams(LEASE_POLICY_CREATE, raw))).uuid;
      note(true, `lease_policy ${uuid}`);
    }
    asArray(o.networks, `${where}.networks`).forEach((l, j) => {
      const w = `${where}.networks[${j}]`;
      const lr = toRaw(asObject(l, w), NESTED.networks, w);
      if (lr.network_uuid === undefined) throw new InitFileError(`${w}.network_uuid`, 'required');
      const p = at(w, () => parseParams(LEASE_POLICY_NETWORK_LINK, lr));
      const what = `lease_policy_network ${uuid} ${lr.network_uuid}`;
      if (model.leasePolicyNetworks(uuid as string).some((x) => x.networkUuid === lr.network_uuid && x.ipRangeGroupUuid === p.ip_range_group_uuid)) {
        return note(false, what);
      }
      at(w, () => model.linkLeasePolicyNetwork(uuid as string, lr.network_uuid, p));
      note(true, what);
    });
  });

  return result;
}
