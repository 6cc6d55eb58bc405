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

const NSFS_MAGIC = 0x6e736673;

/**
 * What a path claimed to be a network namespace is: `netns` (a namespace file: on nsfs, as
 * /proc/<pid>/ns/net and bind mounts of it under /run/netns are), `missing`, or `other` (any
 * other file, e.g. /etc/shadow: nothing can be plumbed "in" it and nothing of ours lives there).
 */
export function netnsKind(path: string): 'netns' | 'missing' | 'other' {
  try {
    return Number(fs.statfsSync(path).type) === NSFS_MAGIC ? 'netns' : 'other';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'missing' : 'other';
  }
}

/** The namespace's inode, or null when the path is gone or is no namespace (NetnsGone). */
export function netnsInode(path: string): number | null {
  try {
    if (Number(fs.statfsSync(path).type) !== NSFS_MAGIC) return null;
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
