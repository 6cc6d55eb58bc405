// Garbage collection: remove everything no live (or, for CNI GC, no valid) attachment owns —
// the reboot case ovs-docker cannot handle. Sources: step logs, OVS rows with owner=vnet-driver
// (including ports in error, like ovs-cni CleanPorts), host veths carrying our alias, OpenVNet
// interfaces tagged with our datapath, agent-link reservations and DHCP client pid files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetConf } from '../cni/config';
import { toCniError } from '../cni/errors';
import { isHostIfName } from '../cni/names';
import type { DriverDeps } from '../deps';
import { ownerTag } from '../openvnet/registry';
import { clientPidFilesUnder, stopClient } from '../plumb/dhcp';
import { deleteLink, listLinks, type LinkInfo } from '../plumb/ip';
import { parseOwnerAlias } from '../plumb/link';
import { netnsAlive, netnsInode } from '../plumb/netns';
import { deletePort, findOurInterfaces, type OvsInterfaceRow } from '../plumb/ovs';
import { listReservations, releaseLinkAddresses } from '../state/link-alloc';
import { stateDirProblem } from '../state/dirs';
import { listLogs, type LogContents, type LogHeader } from '../state/step-log';
import { teardownLog } from './detach';

export type GcKind = 'attachment' | 'ovs-port' | 'veth' | 'openvnet-interface' | 'link-address' | 'dhcp-client';
export interface GcItem { kind: GcKind; name: string; detail: string }
export interface GcReport { dryRun: boolean; count: number; items: GcItem[]; errors: string[] }

export interface GcOptions {
  confs: NetConf[];
  dryRun: boolean;
  /** Whether an attachment is still wanted. */
  keep: (h: LogHeader) => boolean;
  /** OVS row / veth alias owners: still wanted? (container id, CNI ifname, netns or null). */
  keepOwner: (containerId: string, ifName: string, netns: string | null) => boolean;
  /** Limit to one network (CNI GC); null = all. */
  network: string | null;
  /** Also sweep host veths, OpenVNet records, reservations, pid files (CLI gc). */
  deep: boolean;
}

/** CLI liveness: the namespace recorded at ADD still exists (or the pid still lives). */
export function isAlive(h: LogHeader): boolean {
  return netnsAlive(h.netns, h.netnsInode);
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const i of items) if (!seen.has(key(i))) seen.set(key(i), i);
  return [...seen.values()];
}

export async function collectGarbage(deps: DriverDeps, opts: GcOptions): Promise<GcReport> {
  const report: GcReport = { dryRun: opts.dryRun, count: 0, items: [], errors: [] };
  const found = (item: GcItem): void => {
    report.items.push(item);
  };
  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    if (opts.dryRun) return;
    try {
      await fn();
    } catch (err) {
      report.errors.push(toCniError(err).message);
    }
  };
  // Values that failed validation are never used: such a state dir, namespace or OVS target
  // is skipped (it holds nothing of ours, or is not what it claims to be).
  const usable = (c: NetConf, key: string): boolean => !c.invalid.includes(key);
  const stateDirs = [...new Set(opts.confs.filter((c) => usable(c, 'stateDir') && stateDirProblem(c.stateDir) === null).map((c) => c.stateDir))];
  const logs: LogContents[] = stateDirs.flatMap((d) => listLogs(d)).filter((l) => opts.network === null || l.header.network === opts.network);
  // Host ifnames whose resources are accounted for: kept, or removed through their log.
  const accounted = new Set<string>();
  for (const l of logs) {
    accounted.add(l.header.hostIf);
    if (opts.keep(l.header)) continue;
    found({ kind: 'attachment', name: l.header.hostIf, detail: `${l.header.containerId} ${l.header.ifName} on ${l.header.network}` });
    await act(async () => {
      const errors = await teardownLog(deps, l);
      if (errors.length > 0) throw errors[0];
    });
  }
  // One ownership rule for what has no log (state dir lost): veth, OVS port and OpenVNet record
  // of one attachment share its host ifname, and the attachment lives while the owner its veth
  // alias or its port's external_ids name is still wanted (CLI: that namespace still exists).
  // So all three are kept together, or go together.
  const ovsConfs = uniqueBy(opts.confs.filter((c) => c.mode === 'vif' && c.bridgeType === 'ovs' && usable(c, 'ovsDb') && usable(c, 'bridgeType')), (c) => String(c.ovsDb));
  const live = new Set<string>();
  const ports: { conf: NetConf; row: OvsInterfaceRow; inError: boolean }[] = [];
  for (const c of ovsConfs) {
    let rows;
    try {
      rows = await findOurInterfaces(deps.run, c.ovsDb, opts.network === null ? {} : { vnet_network: opts.network });
    } catch (err) {
      report.errors.push(toCniError(err).message);
      continue;
    }
    for (const row of rows) {
      const ids = row.externalIds;
      const inError = row.error !== null || row.ofport === -1;
      ports.push({ conf: c, row, inError });
      if (!inError && opts.keepOwner(ids.container_id ?? '', ids.iface ?? '', ids.netns ?? null)) live.add(row.name);
    }
  }
  const veths: { conf: NetConf; link: LinkInfo }[] = [];
  if (opts.deep) {
    for (const c of uniqueBy(opts.confs.filter((x) => usable(x, 'hostNetns')), (x) => String(x.hostNetns))) {
      if (c.hostNetns !== null && netnsInode(c.hostNetns) === null) continue;
      let links;
      try {
        links = await listLinks(deps.run, c.hostNetns, 'veth');
      } catch (err) {
        report.errors.push(toCniError(err).message);
        continue;
      }
      for (const l of links) {
        const owner = parseOwnerAlias(l.alias);
        if (!isHostIfName(l.name) || owner === null) continue;
        veths.push({ conf: c, link: l });
        if (opts.keepOwner(owner.containerId, owner.ifName, owner.netns)) live.add(l.name);
      }
    }
  }
  for (const { conf: c, row, inError } of ports) {
    if (!inError && (accounted.has(row.name) || live.has(row.name))) continue;
    found({ kind: 'ovs-port', name: row.name, detail: inError ? `in error: ${row.error ?? 'no ofport'}` : `container ${row.externalIds.container_id ?? '?'}` });
    await act(() => deletePort(deps.run, c.ovsDb, null, row.name));
  }
  if (!opts.deep) {
    report.count = report.items.length;
    return report;
  }
  for (const { conf: c, link: l } of veths) {
    if (accounted.has(l.name) || live.has(l.name)) continue;
    found({ kind: 'veth', name: l.name, detail: l.alias ?? '' });
    await act(() => deleteLink(deps.run, c.hostNetns, l.name));
  }
  for (const c of uniqueBy(opts.confs.filter((x) => x.openvnet !== null), (x) => `${x.openvnet?.url} ${x.openvnet?.datapath}`)) {
    const ov = c.openvnet;
    if (ov === null) continue;
    const tag = ownerTag(ov.datapath);
    let records;
    try {
      records = await deps.registry(ov).interfaces();
    } catch (err) {
      report.errors.push(toCniError(err).message);
      continue;
    }
    for (const r of records) {
      if (!(r.displayName ?? '').endsWith(tag) || accounted.has(r.uuid) || live.has(r.uuid)) continue;
      found({ kind: 'openvnet-interface', name: r.uuid, detail: r.displayName ?? '' });
      await act(() => deps.registry(ov).deleteInterface(r.uuid));
    }
  }
  for (const dir of stateDirs) {
    const linkDir = path.join(dir, 'agent-link');
    for (const r of listReservations(linkDir)) {
      if (accounted.has(r.owner)) continue;
      found({ kind: 'link-address', name: r.address, detail: `owner ${r.owner}` });
      await act(() => releaseLinkAddresses(linkDir, r.owner));
    }
    let pids: string[] = [];
    try {
      pids = fs.readdirSync(path.join(dir, 'dhcp')).filter((n) => /^(if|al)-[0-9a-f]{12}\.pid$/.test(n));
    } catch {
      // none
    }
    // Clients whose pid file is gone still name it on their command line.
    for (const f of clientPidFilesUnder(path.join(dir, 'dhcp'))) if (!pids.includes(path.basename(f))) pids.push(path.basename(f));
    for (const p of pids) {
      const owner = p.replace(/\.pid$/, '');
      if (accounted.has(owner)) continue;
      found({ kind: 'dhcp-client', name: owner, detail: p });
      await act(() => stopClient(path.join(dir, 'dhcp', p)));
    }
  }
  report.count = report.items.length;
  return report;
}
