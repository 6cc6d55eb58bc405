// iproute2 through argument arrays and `ip -batch -` (one process for many changes).
// Batch lines are joined from tokens that were validated upstream; a token with whitespace
// would be a second command, so it is refused here as a last guard.
import { CniError, CNI_CODES } from '../cni/errors';
import { runOk, type Runner } from './exec';
import { ipIn } from './netns';

export type IpLine = readonly string[];

export function batchText(lines: readonly IpLine[]): string {
  for (const line of lines) {
    for (const t of line) {
      if (t === '' || /[\s"'\\#]/.test(t)) throw new CniError(CNI_CODES.INTERNAL, 'refusing unsafe ip argument', JSON.stringify(t));
    }
  }
  return `${lines.map((l) => l.join(' ')).join('\n')}\n`;
}

export async function ipBatch(run: Runner, ns: string | null, lines: readonly IpLine[]): Promise<void> {
  if (lines.length === 0) return;
  if (lines.length === 1) {
    batchText(lines);
    const [cmd, args] = ipIn(ns, lines[0]);
    await runOk(run, cmd, args);
    return;
  }
  const [cmd, args] = ipIn(ns, ['-batch', '-']);
  await runOk(run, cmd, args, { input: batchText(lines) });
}

export interface LinkInfo {
  name: string;
  mac: string | null;
  mtu: number | null;
  master: string | null;
  alias: string | null;
  up: boolean;
  kind: string | null;
}

function toLink(o: Record<string, unknown>): LinkInfo {
  const info = o.linkinfo as Record<string, unknown> | undefined;
  const flags = Array.isArray(o.flags) ? (o.flags as unknown[]) : [];
  return {
    name: String(o.ifname),
    mac: typeof o.address === 'string' ? o.address : null,
    mtu: typeof o.mtu === 'number' ? o.mtu : null,
    master: typeof o.master === 'string' ? o.master : null,
    alias: typeof o.ifalias === 'string' ? o.ifalias : null,
    up: flags.includes('UP'),
    kind: info !== undefined && typeof info.info_kind === 'string' ? info.info_kind : null,
  };
}

/**
 * "No such link" as iproute2 words it: `Device "x" does not exist.` when the name is unknown,
 * ENODEV ("RTNETLINK answers: No such device", "Cannot send link get request: No such device")
 * when the name still resolved but the link was already being unregistered — e.g. a veth whose
 * peer's namespace is being destroyed.
 */
export function isNoSuchLink(stderr: string): boolean {
  return /does not exist|Cannot find device|No such device/i.test(stderr);
}

/** One link, or null when it does not exist (LinkNotFound). */
export async function showLink(run: Runner, ns: string | null, name: string): Promise<LinkInfo | null> {
  const [cmd, args] = ipIn(ns, ['-j', '-d', 'link', 'show', 'dev', name]);
  const r = await run(cmd, args);
  if (r.code !== 0) {
    if (isNoSuchLink(r.stderr)) return null;
    throw new CniError(CNI_CODES.PLUMBING_FAILED, 'command failed', `${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  const list = JSON.parse(r.stdout || '[]') as Record<string, unknown>[];
  return list.length === 0 ? null : toLink(list[0]);
}

export async function listLinks(run: Runner, ns: string | null, type?: string): Promise<LinkInfo[]> {
  const [cmd, args] = ipIn(ns, ['-j', '-d', 'link', 'show', ...(type === undefined ? [] : ['type', type])]);
  const out = await runOk(run, cmd, args);
  return (JSON.parse(out || '[]') as Record<string, unknown>[]).map(toLink);
}

/** IPv4 addresses (`a.b.c.d/len`) on a link. */
export async function ipv4Addresses(run: Runner, ns: string | null, dev: string): Promise<string[]> {
  const [cmd, args] = ipIn(ns, ['-j', '-4', 'addr', 'show', 'dev', dev]);
  const out = await runOk(run, cmd, args);
  const list = JSON.parse(out || '[]') as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  return list.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
}

export interface RouteInfo { dst: string; gateway: string | null; dev: string | null }

export async function ipv4Routes(run: Runner, ns: string | null): Promise<RouteInfo[]> {
  const [cmd, args] = ipIn(ns, ['-j', '-4', 'route', 'show']);
  const out = await runOk(run, cmd, args);
  return (JSON.parse(out || '[]') as Record<string, unknown>[]).map((r) => ({
    dst: String(r.dst),
    gateway: typeof r.gateway === 'string' ? r.gateway : null,
    dev: typeof r.dev === 'string' ? r.dev : null,
  }));
}

/** Deletes a link; absent link or absent namespace count as done. */
export async function deleteLink(run: Runner, ns: string | null, name: string): Promise<'deleted' | 'absent'> {
  const [cmd, args] = ipIn(ns, ['link', 'del', 'dev', name]);
  for (let attempt = 0; ; attempt++) {
    const r = await run(cmd, args);
    if (r.code === 0) return 'deleted';
    if (/Cannot open network namespace|No such file/i.test(r.stderr)) return 'absent';
    // The error text for a missing device varies (ENODEV, or EINVAL in some namespaces): look.
    if ((await showLink(run, ns, name)) === null) return 'absent';
    // A veth whose peer's namespace is being destroyed refuses deletion (EINVAL) until the
    // kernel's asynchronous namespace cleanup removes the pair itself: wait for that.
    if (/Invalid argument/.test(r.stderr) && attempt < 50) {
      await new Promise((res) => setTimeout(res, 20));
      continue;
    }
    throw new CniError(CNI_CODES.PLUMBING_FAILED, 'command failed', `${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  }
}
