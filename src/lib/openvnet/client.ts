// REST client for the OpenVNet webapi (spec cni-openvnet.md B2-B6), real or embedded.
// Form-encoded bodies, `/api` prefix, bounded retries with exponential backoff on 5xx and
// transport failures, and every wire error translated once here into an OpenVnetError.
import type { AxiosInstance } from 'axios';
import type { Logger } from '../log';
import { normaliseDpid } from './address';
import {
  decodeDatapath, decodeDeleted, decodeDnsService, decodeInterface, decodeInterfacePort, decodeIpLease,
  decodeIpRange, decodeIpRangeGroup, decodeLeasePolicy, decodeLeasePolicyNetwork, decodeList, decodeMacLease,
  decodeMacRange, decodeMacRangeGroup, decodeNetwork, decodeNetworkService, decodeUuidObject, encodeForm,
  type FormFields,
} from './codec';
import { ENDPOINT_ERRORS, isDeterministicServerError, OpenVnetError, type EndpointErrorName } from './errors';
import type {
  AllocationType, Datapath, DnsService, Interface, InterfaceMode, InterfacePort, IpLease, IpRange, IpRangeGroup,
  LeasePolicy, LeasePolicyNetwork, LeasePolicyTiming, MacLease, MacRange, MacRangeGroup, Network, NetworkMode,
  NetworkService, NetworkServiceMode,
} from './types';

export { OpenVnetError } from './errors';
export type * from './types';

export interface OpenVnetClientOptions {
  /** e.g. `http://vnmgr:9090`; `/api` is appended unless the URL already ends in `/api` or `/api/1.0`. */
  baseUrl: string;
  /** Per attempt. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts after the first for retryable failures. Default 3. */
  retries?: number;
  /** First backoff; doubles per retry, capped at 30 × this. Default 100. */
  backoffMs?: number;
  auth?: { username: string; password: string };
  logger?: Pick<Logger, 'warn'>;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * How requests travel; default axios (loaded only then). The CNI plugin, a fresh process per
   * call, passes a node:http one: loading axios cost more than its HTTP calls.
   */
  transport?: HttpTransport;
}

/** One HTTP exchange: the answer's status and raw text; transport failures throw (with `code`). */
export interface HttpRequest {
  method: Method;
  /** Absolute URL. */
  url: string;
  body?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  auth?: { username: string; password: string };
}
export type HttpTransport = (req: HttpRequest) => Promise<{ status: number; text: string }>;

/** The default transport: axios, without redirects, keeping the raw text. */
function axiosTransport(): HttpTransport {
  const axios = (require('axios') as { default: { create: (c: object) => AxiosInstance } }).default;
  const http = axios.create({ validateStatus: () => true, responseType: 'text', transformResponse: [(data: unknown) => data], maxRedirects: 0 });
  return async (req) => {
    const res = await http.request<string>({ method: req.method, url: req.url, data: req.body, headers: req.headers, timeout: req.timeoutMs, auth: req.auth });
    return { status: res.status, text: typeof res.data === 'string' ? res.data : '' };
  };
}

export type DeleteOutcome = 'deleted' | 'absent';

export interface EnsureDatapathParams { uuid: string; displayName: string; dpid: string; nodeId: string }
export interface CreateDatapathParams extends EnsureDatapathParams { enableOvsLearnAction?: boolean }
export interface CreateNetworkParams {
  uuid?: string;
  displayName: string;
  ipv4Network: string;
  ipv4Prefix?: number;
  mode?: NetworkMode;
  domainName?: string;
}
export interface CreateInterfaceParams {
  uuid?: string;
  mode: InterfaceMode;
  ownerDatapathUuid?: string;
  networkUuid?: string;
  macAddress?: string;
  ipv4Address?: string;
  portName?: string;
  displayName?: string;
  macRangeGroupUuid?: string;
  enableRouting?: boolean;
  enableRouteTranslation?: boolean;
  enableFiltering?: boolean;
}
export interface CreateInterfacePortParams { datapathUuid?: string; portName?: string; singular?: boolean }
export interface CreateMacLeaseParams { uuid?: string; interfaceUuid: string; macAddress: string }
export interface CreateIpLeaseParams {
  uuid?: string;
  networkUuid: string;
  ipv4Address: string;
  macLeaseUuid?: string;
  interfaceUuid?: string;
  enableRouting?: boolean;
}
export interface CreateNetworkServiceParams {
  uuid?: string;
  mode: NetworkServiceMode;
  interfaceUuid?: string;
  displayName?: string;
  incomingPort?: number;
  outgoingPort?: number;
}
export interface CreateDnsServiceParams { uuid?: string; networkServiceUuid: string; publicDns?: string }
export interface CreateIpRangeGroupParams { uuid?: string; allocationType?: AllocationType }
export interface AddIpRangeParams { ipRangeGroupUuid: string; uuid?: string; beginIpv4Address: string; endIpv4Address: string }
export interface CreateLeasePolicyParams { uuid?: string; mode?: 'simple'; timing?: LeasePolicyTiming }
export interface CreateMacRangeGroupParams { uuid?: string; allocationType?: AllocationType }
export interface AddMacRangeParams { macRangeGroupUuid: string; uuid?: string; beginMacAddress: string; endMacAddress: string }

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Page size asked for; real OpenVNet ignores paging (30 per answer), see listAll. */
const PAGE_SIZE = 100;
/** Transport failures that happen before a request is sent: safe to retry any call. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_PAGES = 1000;

export class OpenVnetClient {
  private readonly http: HttpTransport;
  private readonly timeoutMs: number;
  private readonly auth?: { username: string; password: string };
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger?: Pick<Logger, 'warn'>;
  /** The API root without credentials, for messages. */
  readonly apiUrl: string;

  constructor(opts: OpenVnetClientOptions) {
    const url = new URL(opts.baseUrl);
    let auth = opts.auth;
    if (auth === undefined && (url.username !== '' || url.password !== '')) {
      auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    url.username = '';
    url.password = '';
    let root = url.toString().replace(/\/+$/, '');
    if (!/\/api(\/1\.0)?$/.test(root)) root += '/api';
    this.apiUrl = root;
    this.retries = Math.max(0, opts.retries ?? 3);
    this.backoffMs = Math.max(0, opts.backoffMs ?? 100);
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.logger = opts.logger;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.auth = auth;
    this.http = opts.transport ?? axiosTransport();
  }

  // ---- transport -------------------------------------------------------------------------

  /**
   * One call with bounded retries. Calls that are not idempotent (a POST without a uuid, a
   * lease-policy allocation) are retried only when the request cannot have reached the server.
   */
  private async request(method: Method, path: string, form?: FormFields, idempotent = method !== 'POST'): Promise<unknown> {
    let attempt = 0;
    for (;;) {
      attempt++;
      let error: OpenVnetError;
      let neverSent = false;
      try {
        const withBody = method === 'POST' || method === 'PUT';
        const res = await this.http({
          method,
          url: this.apiUrl + path,
          ...(withBody ? { body: encodeForm(form ?? {}) } : {}),
          headers: { Accept: 'application/json', ...(withBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
          timeoutMs: this.timeoutMs,
          ...(this.auth === undefined ? {} : { auth: this.auth }),
        });
        const parsed = this.interpret(method, path, res, attempt);
        if (!(parsed instanceof OpenVnetError)) return parsed;
        error = parsed;
      } catch (err) {
        error = this.transportError(method, path, err, attempt);
        neverSent = NOT_CONNECTED.has(String((err as { code?: unknown })?.code));
      }
      if (!error.retryable || !(idempotent || neverSent) || attempt > this.retries) throw error;
      const delay = Math.min(this.backoffMs * 2 ** (attempt - 1), this.backoffMs * 30);
      this.logger?.warn({ method, path, code: error.code, status: error.status, attempt, delayMs: delay }, 'OpenVNet call failed, retrying');
      await this.sleep(delay);
    }
  }

  private interpret(method: Method, path: string, res: { status: number; text: string }, attempt: number): unknown {
    const text = res.text;
    let body: unknown;
    let parsed = false;
    try {
      body = text === '' ? undefined : JSON.parse(text);
      parsed = text !== '';
    } catch {
      parsed = false;
    }
    if (res.status >= 200 && res.status < 300) {
      if (!parsed) {
        return new OpenVnetError({ code: 'MVN_ERR_OPENVNET_BAD_RESPONSE', status: res.status, method, path, attempts: attempt, message: `OpenVNet ${method} ${path}: answer is not JSON` });
      }
      return body;
    }
    const o = parsed && body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    const errorClass = typeof o?.error === 'string' ? o.error : undefined;
    const message = typeof o?.message === 'string' ? o.message : `HTTP ${res.status}`;
    let code: string | undefined = typeof o?.code === 'string' ? o.code : typeof o?.code === 'number' ? String(o.code) : undefined;
    if (code === undefined && errorClass !== undefined) {
      const short = errorClass.split('::').pop() as string;
      if (short in ENDPOINT_ERRORS) code = ENDPOINT_ERRORS[short as EndpointErrorName].code;
    }
    if (code === undefined) code = res.status >= 500 ? '500' : o === undefined ? 'MVN_ERR_OPENVNET_BAD_RESPONSE' : String(res.status);
    const retryable = res.status >= 500 && !isDeterministicServerError(errorClass, message);
    return new OpenVnetError({ code, status: res.status, errorClass, retryable, method, path, attempts: attempt, message: `OpenVNet ${method} ${path}: ${message}` });
  }

  private transportError(method: Method, path: string, err: unknown, attempt: number): OpenVnetError {
    const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
    const detail = err instanceof Error ? err.message : String(err);
    return new OpenVnetError({
      code: timedOut ? 'MVN_ERR_OPENVNET_TIMEOUT' : 'MVN_ERR_OPENVNET_UNREACHABLE',
      retryable: true,
      method,
      path,
      attempts: attempt,
      message: `OpenVNet ${method} ${this.apiUrl}${path}: ${timedOut ? 'timed out' : 'unreachable'} (${detail})`,
    });
  }

  /** A GET whose 404/"100" means "no such record". */
  private async getOrNull<T>(path: string, decode: (v: unknown) => T): Promise<T | null> {
    try {
      return decode(await this.request('GET', path));
    } catch (err) {
      if (err instanceof OpenVnetError && err.code === '100') return null;
      throw err;
    }
  }

  /**
   * A create. When a uuid was given and an earlier attempt of ours may have reached the server
   * (timeout, 5xx), a final "102 DuplicateUUID" is our own record: fetch it instead of failing.
   */
  private async create<T>(path: string, form: FormFields, decode: (v: unknown) => T, getPath?: string): Promise<T> {
    try {
      return decode(await this.request('POST', path, form, form.uuid !== undefined));
    } catch (err) {
      if (err instanceof OpenVnetError && err.code === '102' && (err.attempts ?? 1) > 1 && getPath !== undefined) {
        return decode(await this.request('GET', getPath));
      }
      throw err;
    }
  }

  private async remove(path: string): Promise<DeleteOutcome> {
    try {
      decodeDeleted(await this.request('DELETE', path));
      return 'deleted';
    } catch (err) {
      if (err instanceof OpenVnetError && err.code === '100') return 'absent';
      throw err;
    }
  }

  /** All items of a list route. Real OpenVNet ignores paging, so stop when a page brings nothing new. */
  private async listAll<T extends { uuid?: string }>(path: string, decode: (v: unknown) => T): Promise<T[]> {
    const out: T[] = [];
    const seen = new Set<string>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = `${path.includes('?') ? '&' : '?'}offset=${out.length}&limit=${PAGE_SIZE}`;
      const list = decodeList(await this.request('GET', path + query), decode);
      let fresh = 0;
      for (const item of list.items) {
        const key = item.uuid ?? JSON.stringify(item);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(item);
        fresh++;
      }
      if (fresh === 0 || out.length >= list.totalCount) break;
    }
    return out;
  }

  // ---- datapaths -------------------------------------------------------------------------

  getDatapath(uuid: string): Promise<Datapath | null> {
    return this.getOrNull(`/datapaths/${seg(uuid)}`, decodeDatapath);
  }

  listDatapaths(): Promise<Datapath[]> {
    return this.listAll('/datapaths', decodeDatapath);
  }

  createDatapath(p: CreateDatapathParams): Promise<Datapath> {
    return this.create('/datapaths', {
      uuid: p.uuid, display_name: p.displayName, dpid: p.dpid, node_id: p.nodeId, enable_ovs_learn_action: p.enableOvsLearnAction,
    }, decodeDatapath, `/datapaths/${seg(p.uuid)}`);
  }

  /**
   * Registers the host's datapath once: GET; 404 → POST; a lost race (400/"102") counts as
   * exists. An existing record with another dpid or node_id is an error (vna would ignore the bridge).
   */
  async ensureDatapath(p: EnsureDatapathParams): Promise<Datapath> {
    let dp = await this.getDatapath(p.uuid);
    if (dp === null) {
      try {
        dp = await this.createDatapath(p);
      } catch (err) {
        if (!(err instanceof OpenVnetError && err.code === '102')) throw err;
        dp = await this.getDatapath(p.uuid);
        if (dp === null) throw err;
      }
    }
    const want = normaliseDpid(p.dpid) ?? p.dpid;
    if (normaliseDpid(dp.dpid) !== want || dp.nodeId !== p.nodeId) {
      throw new OpenVnetError({
        code: 'MVN_ERR_OPENVNET_DATAPATH_MISMATCH',
        path: `/datapaths/${p.uuid}`,
        message: `OpenVNet datapath ${p.uuid} has dpid ${dp.dpid} node_id ${dp.nodeId}, expected ${want} ${p.nodeId}`,
      });
    }
    return dp;
  }

  deleteDatapath(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/datapaths/${seg(uuid)}`);
  }

  listDatapathNetworks(datapathUuid: string): Promise<Network[]> {
    return this.listAll(`/datapaths/${seg(datapathUuid)}/networks`, decodeNetwork);
  }

  // ---- networks --------------------------------------------------------------------------

  getNetwork(uuid: string): Promise<Network | null> {
    return this.getOrNull(`/networks/${seg(uuid)}`, decodeNetwork);
  }

  listNetworks(): Promise<Network[]> {
    return this.listAll('/networks', decodeNetwork);
  }

  createNetwork(p: CreateNetworkParams): Promise<Network> {
    return this.create('/networks', {
      uuid: p.uuid, display_name: p.displayName, ipv4_network: p.ipv4Network, ipv4_prefix: p.ipv4Prefix,
      network_mode: p.mode, domain_name: p.domainName,
    }, decodeNetwork, p.uuid === undefined ? undefined : `/networks/${seg(p.uuid)}`);
  }

  deleteNetwork(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/networks/${seg(uuid)}`);
  }

  // ---- interfaces ------------------------------------------------------------------------

  createInterface(p: CreateInterfaceParams): Promise<Interface> {
    return this.create('/interfaces', {
      uuid: p.uuid, mode: p.mode, owner_datapath_uuid: p.ownerDatapathUuid, network_uuid: p.networkUuid,
      mac_address: p.macAddress, ipv4_address: p.ipv4Address, port_name: p.portName, display_name: p.displayName,
      mac_range_group_uuid: p.macRangeGroupUuid, enable_routing: p.enableRouting,
      enable_route_translation: p.enableRouteTranslation, enable_filtering: p.enableFiltering,
    }, decodeInterface, p.uuid === undefined ? undefined : `/interfaces/${seg(p.uuid)}`);
  }

  getInterface(uuid: string): Promise<Interface | null> {
    return this.getOrNull(`/interfaces/${seg(uuid)}`, decodeInterface);
  }

  listInterfaces(): Promise<Interface[]> {
    return this.listAll('/interfaces', decodeInterface);
  }

  /** Task teardown: one call removes the interface with its ports and leases. 404 → 'absent'. */
  deleteInterface(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/interfaces/${seg(uuid)}`);
  }

  listInterfacePorts(interfaceUuid: string): Promise<InterfacePort[]> {
    return this.listAll(`/interfaces/${seg(interfaceUuid)}/ports`, decodeInterfacePort);
  }

  addInterfacePort(interfaceUuid: string, p: CreateInterfacePortParams): Promise<InterfacePort> {
    return this.create(`/interfaces/${seg(interfaceUuid)}/ports`, {
      datapath_uuid: p.datapathUuid, port_name: p.portName, singular: p.singular,
    }, decodeInterfacePort);
  }

  // ---- MAC and IP leases -----------------------------------------------------------------

  createMacLease(p: CreateMacLeaseParams): Promise<MacLease> {
    return this.create('/mac_leases', { uuid: p.uuid, interface_uuid: p.interfaceUuid, mac_address: p.macAddress },
      decodeMacLease, p.uuid === undefined ? undefined : `/mac_leases/${seg(p.uuid)}`);
  }

  deleteMacLease(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/mac_leases/${seg(uuid)}`);
  }

  createIpLease(p: CreateIpLeaseParams): Promise<IpLease> {
    return this.create('/ip_leases', {
      uuid: p.uuid, network_uuid: p.networkUuid, ipv4_address: p.ipv4Address, mac_lease_uuid: p.macLeaseUuid,
      interface_uuid: p.interfaceUuid, enable_routing: p.enableRouting,
    }, decodeIpLease, p.uuid === undefined ? undefined : `/ip_leases/${seg(p.uuid)}`);
  }

  getIpLease(uuid: string): Promise<IpLease | null> {
    return this.getOrNull(`/ip_leases/${seg(uuid)}`, decodeIpLease);
  }

  listIpLeases(): Promise<IpLease[]> {
    return this.listAll('/ip_leases', decodeIpLease);
  }

  deleteIpLease(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/ip_leases/${seg(uuid)}`);
  }

  async attachIpLease(ipLeaseUuid: string, interfaceUuid: string): Promise<IpLease> {
    return decodeIpLease(await this.request('PUT', `/ip_leases/${seg(ipLeaseUuid)}/attach`, { interface_uuid: interfaceUuid }));
  }

  async releaseIpLease(ipLeaseUuid: string): Promise<IpLease> {
    return decodeIpLease(await this.request('PUT', `/ip_leases/${seg(ipLeaseUuid)}/release`, {}));
  }

  // ---- network services ------------------------------------------------------------------

  createNetworkService(p: CreateNetworkServiceParams): Promise<NetworkService> {
    return this.create('/network_services', {
      uuid: p.uuid, mode: p.mode, interface_uuid: p.interfaceUuid, display_name: p.displayName,
      incoming_port: p.incomingPort, outgoing_port: p.outgoingPort,
    }, decodeNetworkService, p.uuid === undefined ? undefined : `/network_services/${seg(p.uuid)}`);
  }

  listNetworkServices(): Promise<NetworkService[]> {
    return this.listAll('/network_services', decodeNetworkService);
  }

  deleteNetworkService(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/network_services/${seg(uuid)}`);
  }

  createDnsService(p: CreateDnsServiceParams): Promise<DnsService> {
    return this.create('/dns_services', { uuid: p.uuid, network_service_uuid: p.networkServiceUuid, public_dns: p.publicDns },
      decodeDnsService, p.uuid === undefined ? undefined : `/dns_services/${seg(p.uuid)}`);
  }

  // ---- address pools ---------------------------------------------------------------------

  createIpRangeGroup(p: CreateIpRangeGroupParams = {}): Promise<IpRangeGroup> {
    return this.create('/ip_range_groups', { uuid: p.uuid, allocation_type: p.allocationType },
      decodeIpRangeGroup, p.uuid === undefined ? undefined : `/ip_range_groups/${seg(p.uuid)}`);
  }

  getIpRangeGroup(uuid: string): Promise<IpRangeGroup | null> {
    return this.getOrNull(`/ip_range_groups/${seg(uuid)}`, decodeIpRangeGroup);
  }

  listIpRangeGroups(): Promise<IpRangeGroup[]> {
    return this.listAll('/ip_range_groups', decodeIpRangeGroup);
  }

  deleteIpRangeGroup(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/ip_range_groups/${seg(uuid)}`);
  }

  addIpRange(p: AddIpRangeParams): Promise<IpRange> {
    return this.create(`/ip_range_groups/${seg(p.ipRangeGroupUuid)}/ip_ranges`, {
      uuid: p.uuid, begin_ipv4_address: p.beginIpv4Address, end_ipv4_address: p.endIpv4Address,
    }, decodeIpRange);
  }

  listIpRanges(ipRangeGroupUuid: string): Promise<IpRange[]> {
    return this.listAll(`/ip_range_groups/${seg(ipRangeGroupUuid)}/ip_ranges`, decodeIpRange);
  }

  deleteIpRange(ipRangeGroupUuid: string, ipRangeUuid: string): Promise<DeleteOutcome> {
    return this.remove(`/ip_range_groups/${seg(ipRangeGroupUuid)}/ip_ranges/${seg(ipRangeUuid)}`);
  }

  createLeasePolicy(p: CreateLeasePolicyParams = {}): Promise<LeasePolicy> {
    return this.create('/lease_policies', { uuid: p.uuid, mode: p.mode, timing: p.timing },
      decodeLeasePolicy, p.uuid === undefined ? undefined : `/lease_policies/${seg(p.uuid)}`);
  }

  getLeasePolicy(uuid: string): Promise<LeasePolicy | null> {
    return this.getOrNull(`/lease_policies/${seg(uuid)}`, decodeLeasePolicy);
  }

  listLeasePolicies(): Promise<LeasePolicy[]> {
    return this.listAll('/lease_policies', decodeLeasePolicy);
  }

  deleteLeasePolicy(uuid: string): Promise<DeleteOutcome> {
    return this.remove(`/lease_policies/${seg(uuid)}`);
  }

  async linkLeasePolicyNetwork(leasePolicyUuid: string, networkUuid: string, ipRangeGroupUuid: string): Promise<void> {
    decodeUuidObject(await this.request('POST', `/lease_policies/${seg(leasePolicyUuid)}/networks/${seg(networkUuid)}`,
      { ip_range_group_uuid: ipRangeGroupUuid }, false));
  }

  getLeasePolicyNetworks(leasePolicyUuid: string): Promise<LeasePolicyNetwork[]> {
    return this.listAll(`/lease_policies/${seg(leasePolicyUuid)}/networks`, decodeLeasePolicyNetwork);
  }

  unlinkLeasePolicyNetwork(leasePolicyUuid: string, networkUuid: string): Promise<DeleteOutcome> {
    return this.remove(`/lease_policies/${seg(leasePolicyUuid)}/networks/${seg(networkUuid)}`);
  }

  /**
   * Dynamic address for an interface that already holds a MAC lease:
   * POST /lease_policies/:lp/interfaces/:if, then GET the interface for the new address.
   */
  async allocateFromLeasePolicy(leasePolicyUuid: string, interfaceUuid: string, label?: string): Promise<string> {
    decodeUuidObject(await this.request('POST', `/lease_policies/${seg(leasePolicyUuid)}/interfaces/${seg(interfaceUuid)}`, { label }, false));
    const itf = await this.getInterface(interfaceUuid);
    const newest = itf?.ipLeases.reduce<IpLease | undefined>((a, b) => (a === undefined || b.id > a.id ? b : a), undefined);
    const address = newest?.ipv4Address ?? itf?.ipv4Address;
    if (address === undefined || address === '') {
      throw new OpenVnetError({
        code: 'MVN_ERR_OPENVNET_BAD_RESPONSE',
        path: `/interfaces/${interfaceUuid}`,
        message: `OpenVNet lease policy ${leasePolicyUuid} answered but interface ${interfaceUuid} has no IPv4 address`,
      });
    }
    return address;
  }

  /** Allocates a free address with no interface; attach it later with attachIpLease. */
  async allocateLease(leasePolicyUuid: string, p: { ipLeaseUuid?: string; label?: string } = {}): Promise<IpLease> {
    return decodeIpLease(await this.request('POST', `/lease_policies/${seg(leasePolicyUuid)}/ip_leases`,
      { ip_lease_uuid: p.ipLeaseUuid, label: p.label }, p.ipLeaseUuid !== undefined));
  }

  unlinkLeasePolicyInterface(leasePolicyUuid: string, interfaceUuid: string): Promise<DeleteOutcome> {
    return this.remove(`/lease_policies/${seg(leasePolicyUuid)}/interfaces/${seg(interfaceUuid)}`);
  }

  createMacRangeGroup(p: CreateMacRangeGroupParams = {}): Promise<MacRangeGroup> {
    return this.create('/mac_range_groups', { uuid: p.uuid, allocation_type: p.allocationType },
      decodeMacRangeGroup, p.uuid === undefined ? undefined : `/mac_range_groups/${seg(p.uuid)}`);
  }

  addMacRange(p: AddMacRangeParams): Promise<MacRange> {
    return this.create(`/mac_range_groups/${seg(p.macRangeGroupUuid)}/mac_ranges`, {
      uuid: p.uuid, begin_mac_address: p.beginMacAddress, end_mac_address: p.endMacAddress,
    }, decodeMacRange);
  }

  listMacRanges(macRangeGroupUuid: string): Promise<MacRange[]> {
    return this.listAll(`/mac_range_groups/${seg(macRangeGroupUuid)}/mac_ranges`, decodeMacRange);
  }
}

/** A uuid as one path segment (uuids are `\w` and `-`; anything else is escaped, never a path). */
function seg(uuid: string): string {
  return encodeURIComponent(uuid);
}
