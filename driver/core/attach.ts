// ADD (and CLI attach): check everything first, then plumb step by step under the durable step
// log, rolling back in reverse on failure. Order per cni-openvnet.md B6: veth, container end,
// bridge port, OpenVNet record, address (static, or lease then DHCP client), routes.
import * as path from 'node:path';
import type { NetConf, OpenVnetConf } from '../cni/config';
import { CniError, CNI_CODES, invalidConfig, toCniError } from '../cni/errors';
import { checkAgainstSubnet, requirePrefix, type InterfaceSpec } from '../cni/interface-spec';
import { formatCidr, cidrContains, type Cidr } from '../../src/lib/ipv4';
import { deriveMac, hostIfName } from '../cni/names';
import type { CurrentResult, ResultDns, ResultRoute } from '../cni/result';
import type { DriverDeps } from '../deps';
import { isUnknownDatapathError, recordDisplayName, type VnetRegistry } from '../openvnet/registry';
import { dhcpPaths, ensureHook, startClient } from '../plumb/dhcp';
import { ipBatch, ipv4Addresses } from '../plumb/ip';
import { addressLines, containerEndLines, hostEndLines, ownerAlias } from '../plumb/link';
import { netnsInode, netnsKind } from '../plumb/netns';
import { linuxBridgeExists } from '../plumb/bridge-linux';
import { addPort, bridgeExists } from '../plumb/ovs';
import { datapathKnown, forgetDatapath, rememberDatapath } from '../state/datapath-cache';
import { stateDirProblem } from '../state/dirs';
import { allocateLinkAddress } from '../state/link-alloc';
import { logPath, readLog, StepLog, type LogHeader } from '../state/step-log';
import { trace } from '../trace';
import { createReplacingStale } from './stale';
import { combineErrors, undoAll } from './undo';

export interface AttachRequest {
  conf: NetConf;
  containerId: string;
  /** CNI_IFNAME: the key of the attachment. */
  ifName: string;
  netns: string;
  /** CLI attach by pid (for gc's liveness check). */
  pid: number | null;
  /** vif mode: the requested interface (subnet not yet checked). */
  spec: InterfaceSpec | null;
}

/**
 * The environment, checked before anything else (reads only): the host namespace and the
 * container's path are network-namespace files, the state dir can be created and written.
 */
function preflight(conf: NetConf, netns: string): void {
  if (conf.hostNetns !== null) {
    const kind = netnsKind(conf.hostNetns);
    if (kind !== 'netns') throw invalidConfig(`hostNetns: ${conf.hostNetns} ${kind === 'missing' ? 'does not exist' : 'is not a network namespace'}`);
  }
  const problem = stateDirProblem(conf.stateDir);
  if (problem !== null) throw invalidConfig(`stateDir: ${problem}`);
  if (netnsKind(netns) === 'other') throw new CniError(CNI_CODES.INVALID_ENV, 'CNI_NETNS is not a network namespace', netns);
}

/** The namespace must exist: no container, nothing to attach (code 3). Returns its inode. */
function requireNetns(netns: string): number {
  const ino = netnsInode(netns);
  if (ino === null) throw new CniError(CNI_CODES.UNKNOWN_CONTAINER, 'container network namespace does not exist', netns);
  return ino;
}

/** Creates the log; a leftover of a killed ADD is undone first, a finished one is an error. */
async function openLog(deps: DriverDeps, header: LogHeader): Promise<StepLog> {
  try {
    return StepLog.create(header, deps.fault);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const file = logPath(header.stateDir, header.hostIf);
  const old = readLog(file);
  if (old !== null && old.committed) {
    throw new CniError(CNI_CODES.ALREADY_ATTACHED, 'interface already attached', `container ${header.containerId} ${header.ifName} (DEL it first)`);
  }
  const errors = old === null ? [] : await undoAll(deps, old.steps);
  if (errors.length > 0) throw combineErrors('cannot clean up an earlier interrupted ADD', errors);
  StepLog.remove(file);
  return StepLog.create(header, deps.fault);
}

async function ensureDatapath(deps: DriverDeps, reg: VnetRegistry, stateDir: string, c: OpenVnetConf, force = false): Promise<void> {
  if (!force && datapathKnown(stateDir, c)) return;
  if (force) forgetDatapath(stateDir, c.datapath);
  await reg.ensureDatapath(c);
  rememberDatapath(stateDir, c);
}

function dnsOf(conf: NetConf): ResultDns {
  const d = conf.dns;
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const out: ResultDns = {};
  if (strings(d.nameservers) !== undefined) out.nameservers = strings(d.nameservers);
  if (typeof d.domain === 'string') out.domain = d.domain;
  if (strings(d.search) !== undefined) out.search = strings(d.search);
  if (strings(d.options) !== undefined) out.options = strings(d.options);
  return out;
}

async function rollback(deps: DriverDeps, log: StepLog, err: unknown): Promise<CniError> {
  const failure = toCniError(err);
  const errors = await undoAll(deps, log.records);
  if (errors.length === 0) {
    StepLog.remove(log.file);
    return failure;
  }
  // Keep the log: DEL or gc will finish the job.
  return new CniError(failure.code, failure.msg, `${failure.details ?? ''}; rollback incomplete: ${errors.map((e) => e.message).join('; ')}`);
}

/**
 * A plumbing failure that names the bridge, with the bridge indeed absent, becomes an error that
 * says so and how to fix it (instead of iproute2's or ovs-vsctl's wording). Checked only after a
 * failure: a healthy ADD pays nothing for it.
 */
async function explainMissingBridge(deps: DriverDeps, conf: NetConf, err: unknown): Promise<unknown> {
  const bridge = conf.bridge;
  if (bridge === null || !(err instanceof CniError) || err.code !== CNI_CODES.PLUMBING_FAILED || !(err.details ?? '').includes(bridge)) return err;
  try {
    const exists = conf.bridgeType === 'ovs' ? await bridgeExists(deps.run, conf.ovsDb, bridge) : await linuxBridgeExists(deps.run, conf.hostNetns, bridge);
    if (exists) return err;
  } catch {
    return err;
  }
  const where = conf.hostNetns === null ? '' : ` in namespace ${conf.hostNetns}`;
  return new CniError(CNI_CODES.PLUMBING_FAILED, `bridge ${bridge} does not exist`,
    `no ${conf.bridgeType === 'ovs' ? 'Open vSwitch' : 'Linux'} bridge ${bridge}${where}: create it with \`vnet-driver setup --bridge ${bridge} --bridge-type ${conf.bridgeType} …\` on this host`);
}

export async function attach(deps: DriverDeps, req: AttachRequest): Promise<CurrentResult> {
  return req.conf.mode === 'agent-link' ? attachAgentLink(deps, req) : attachVif(deps, req);
}

async function attachVif(deps: DriverDeps, req: AttachRequest): Promise<CurrentResult> {
  const { conf } = req;
  if (req.spec === null || conf.bridge === null) throw invalidConfig('vif mode needs an interface spec and a bridge');
  let spec = req.spec;
  const hostIf = hostIfName('vif', req.containerId, req.ifName);
  preflight(conf, req.netns);
  let registry: VnetRegistry | null = null;
  let subnet: Cidr | null = conf.subnet;
  const ov = conf.openvnet;
  if (ov !== null) {
    registry = deps.registry(ov);
    const nw = await registry.network(conf.name);
    if (nw === null) throw invalidConfig(`network ${conf.name} is not known to OpenVNet`);
    subnet = nw.subnet;
    if (spec.bootproto === 'dhcp' && ov.leasePolicy === null) throw invalidConfig('bootproto dhcp needs openvnet.leasePolicy');
  }
  spec = subnet === null ? requirePrefix(spec) : checkAgainstSubnet(spec, subnet);
  if (conf.gateway !== null && subnet !== null && !cidrContains(subnet, conf.gateway)) {
    throw invalidConfig(`gateway: ${conf.gateway} is outside network ${conf.name}'s subnet ${formatCidr(subnet)}`);
  }
  const gateway = spec.gateway ?? conf.gateway;
  const mtu = spec.mtu ?? conf.mtu;
  const netnsIno = requireNetns(req.netns);
  if (registry !== null && ov !== null) await ensureDatapath(deps, registry, conf.stateDir, ov);
  trace('checked');
  const log = await openLog(deps, header(req, spec.ifName, hostIf, netnsIno));
  trace('log created');
  try {
    const routes = spec.routes.map((r) => ({ dst: formatCidr(r.dst), gw: r.gw }));
    await log.step('veth', { kind: 'veth', hostIf, hostNetns: conf.hostNetns }, () => ipBatch(deps.run, conf.hostNetns, hostEndLines({
      hostIf, containerNetns: req.netns, containerIf: spec.ifName, alias: ownerAlias(req.containerId, req.ifName, req.netns), mtu,
      master: conf.bridgeType === 'linux' ? conf.bridge : null, address: null, routeTo: null,
    })));
    const staticAddr = spec.address === null ? null : `${spec.address.ip}/${spec.address.prefix}`;
    await log.step('container', null, () => ipBatch(deps.run, req.netns, containerEndLines({
      ifName: spec.ifName, mac: spec.mac, address: staticAddr,
      gateway: staticAddr === null ? null : gateway, routes: staticAddr === null ? [] : routes,
    })));
    if (conf.bridgeType === 'ovs') {
      const bridge = conf.bridge;
      await log.step('port', { kind: 'ovs-port', bridge, port: hostIf, ovsDb: conf.ovsDb }, () => addPort(deps.run, conf.ovsDb, bridge, hostIf, {
        containerId: req.containerId, iface: req.ifName, network: conf.name, netns: req.netns,
      }));
    }
    if (registry !== null && ov !== null) {
      const reg = registry;
      const record = {
        uuid: hostIf, networkUuid: conf.name, mac: spec.mac, ipv4: spec.address?.ip ?? null, portName: hostIf, datapath: ov.datapath,
        displayName: recordDisplayName(spec.app, req.containerId.slice(0, 64), spec.ifName, ov.datapath),
      };
      await log.step('register', { kind: 'openvnet-interface', uuid: hostIf, openvnet: ov }, async () => {
        try {
          // A slot's MAC/address may still be held by the previous container's record (stale.ts).
          await createReplacingStale(reg, record, conf.stateDir, () => reg.createInterface(record));
        } catch (err) {
          // The cached datapath vanished from OpenVNet (database reset): register it again, once.
          if (!isUnknownDatapathError(err)) throw err;
          await ensureDatapath(deps, reg, conf.stateDir, ov, true);
          await reg.createInterface(record);
        }
      });
    }
    let address = staticAddr;
    if (spec.bootproto === 'dhcp') {
      address = await configureDhcp(deps, req, log, registry, spec, hostIf, subnet);
      await log.step('routes', null, () => ipBatch(deps.run, req.netns, addressLines({ ifName: spec.ifName, mac: spec.mac, address: null, gateway, routes })));
    }
    const result: CurrentResult = {
      interfaces: [{ name: hostIf }, { name: spec.ifName, mac: spec.mac, ...(mtu === null ? {} : { mtu }), sandbox: req.netns }],
      ips: address === null ? [] : [{ address, ...(gateway === null ? {} : { gateway }), interface: 1 }],
      routes: [
        ...(gateway === null ? [] : [{ dst: '0.0.0.0/0', gw: gateway }]),
        ...routes.map((r): ResultRoute => (r.gw === null ? { dst: r.dst } : { dst: r.dst, gw: r.gw })),
      ],
      dns: dnsOf(conf),
    };
    log.commit(result);
    return result;
  } catch (err) {
    throw await rollback(deps, log, await explainMissingBridge(deps, conf, err));
  }
}

/** OpenVNet leases first (its DHCP only hands out leased addresses), then the client runs. */
async function configureDhcp(deps: DriverDeps, req: AttachRequest, log: StepLog, registry: VnetRegistry | null, spec: InterfaceSpec, hostIf: string, subnet: Cidr | null): Promise<string> {
  const { conf } = req;
  let leased: string | null = null;
  if (registry !== null && conf.openvnet !== null && conf.openvnet.leasePolicy !== null) {
    const lp = conf.openvnet.leasePolicy;
    leased = await log.step('lease', null, () => registry.allocateAddress(lp, hostIf));
  }
  if (conf.dhcp.client === 'none') {
    if (leased === null || subnet === null) throw invalidConfig('dhcp.client none needs an OpenVNet lease policy');
    const cidr = `${leased}/${subnet.prefix}`;
    await log.step('address', null, () => ipBatch(deps.run, req.netns, addressLines({ ifName: spec.ifName, mac: spec.mac, address: cidr, gateway: null, routes: [] })));
    return cidr;
  }
  const kind = conf.dhcp.client;
  const paths = dhcpPaths(conf.stateDir, kind, hostIf);
  ensureHook(paths.hook, kind);
  await log.step('dhcp', { kind: 'dhcp-client', pidFile: paths.pidFile }, () => startClient(deps.run, kind, req.netns, spec.ifName, paths, conf.dhcp.timeoutMs, leased));
  const got = await ipv4Addresses(deps.run, req.netns, spec.ifName);
  if (got.length === 0) throw new CniError(CNI_CODES.DHCP_FAILED, 'DHCP client configured no address', spec.ifName);
  if (leased === null) return got[0];
  const match = got.find((a) => a.split('/')[0] === leased);
  if (match === undefined) {
    throw new CniError(CNI_CODES.DHCP_FAILED, 'DHCP lease differs from the OpenVNet lease', `got ${got.join(',')}, OpenVNet leased ${leased}`);
  }
  return match;
}

async function attachAgentLink(deps: DriverDeps, req: AttachRequest): Promise<CurrentResult> {
  const { conf } = req;
  const al = conf.agentLink;
  if (al === null) throw invalidConfig('agent-link mode needs agentAddress');
  const hostIf = hostIfName('agent-link', req.containerId, req.ifName);
  const containerIf = req.spec?.ifName ?? req.ifName;
  const mac = deriveMac('agent-link', req.containerId, req.ifName);
  preflight(conf, req.netns);
  const netnsIno = requireNetns(req.netns);
  const dir = path.join(conf.stateDir, 'agent-link');
  const log = await openLog(deps, header(req, containerIf, hostIf, netnsIno));
  try {
    const link = await log.step('link-address', { kind: 'link-address', dir, owner: hostIf }, () => allocateLinkAddress(dir, al.range, al.hostAddress, hostIf));
    await log.step('veth', { kind: 'veth', hostIf, hostNetns: conf.hostNetns }, () => ipBatch(deps.run, conf.hostNetns, hostEndLines({
      hostIf, containerNetns: req.netns, containerIf, alias: ownerAlias(req.containerId, req.ifName, req.netns), mtu: conf.mtu,
      master: null, address: al.hostAddress, routeTo: link,
    })));
    // The host end is on-link (the agent's own connections to the executor come from it, so
    // replies must leave by this link whatever routes or gateways the user's interfaces add), and
    // the agent is routed through it. Never a default route.
    await log.step('container', null, () => ipBatch(deps.run, req.netns, containerEndLines({
      ifName: containerIf, mac, address: `${link}/32`, gateway: null,
      routes: [{ dst: `${al.hostAddress}/32`, gw: null, scopeLink: true }, { dst: `${al.agentAddress}/32`, gw: al.hostAddress }],
    })));
    const result: CurrentResult = {
      interfaces: [{ name: hostIf }, { name: containerIf, mac, sandbox: req.netns }],
      ips: [{ address: `${link}/32`, interface: 1 }],
      routes: [{ dst: `${al.agentAddress}/32`, gw: al.hostAddress }],
      dns: dnsOf(conf),
    };
    log.commit(result);
    return result;
  } catch (err) {
    throw await rollback(deps, log, err);
  }
}

function header(req: AttachRequest, containerIfName: string, hostIf: string, netnsInode: number): LogHeader {
  return {
    v: 1, containerId: req.containerId, ifName: req.ifName, containerIfName, network: req.conf.name, mode: req.conf.mode,
    hostIf, netns: req.netns, netnsInode, pid: req.pid, stateDir: req.conf.stateDir, createdAt: new Date().toISOString(),
  };
}
