// Namespace scoping, like plugins' ns.Do: the only module that turns a namespace path into a
// command prefix. null = the driver's own namespace.
import * as fs from 'node:fs';

const NAMED = /^\/(?:var\/)?run\/netns\/([A-Za-z0-9_.-]{1,64})$/;

/** `ip` args for a namespace: `-n NAME` for named namespaces (one exec), else via nsenter. */
export function ipIn(ns: string | null, args: readonly string[]): [string, string[]] {
  if (ns === null) return ['ip', [...args]];
  const m = NAMED.exec(ns);
  if (m !== null) return ['ip', ['-n', m[1], ...args]];
  return ['nsenter', [`--net=${ns}`, 'ip', ...args]];
}

/** Any program inside a namespace (setns + exec, no fork: the child pid is the program's). */
export function cmdIn(ns: string | null, cmd: string, args: readonly string[]): [string, string[]] {
  return ns === null ? [cmd, [...args]] : ['nsenter', [`--net=${ns}`, cmd, ...args]];
}

/** The namespace's inode, or null when the path is gone (NetnsGone). */
export function netnsInode(path: string): number | null {
  try {
    return fs.statSync(path).ino;
  } catch {
    return null;
  }
}

/** A namespace is alive when its path still resolves to the namespace recorded at ADD. */
export function netnsAlive(path: string | null, inode: number | null): boolean {
  if (path === null) return false;
  const now = netnsInode(path);
  return now !== null && (inode === null || now === inode);
}

export function pidNetns(pid: number): string {
  return `/proc/${pid}/ns/net`;
}
