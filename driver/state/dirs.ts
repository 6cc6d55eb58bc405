// Directories the driver creates, bounded: node's `mkdirSync(…, { recursive: true })` loops for
// ever under /proc (mkdir answers ENOENT for a parent that exists), so ADD hung on a stateDir
// like /proc/1. Here every component is created once, and the state dir is checked before the
// first side effect: its nearest existing ancestor must be a directory on an ordinary
// filesystem (not proc, sysfs, nsfs, cgroup, …), writable by us.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** statfs f_type values of pseudo filesystems that cannot hold our files. */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc', 0x62656572: 'sysfs', 0x6e736673: 'nsfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2',
  0x64626720: 'debugfs', 0x74726163: 'tracefs', 0x73636673: 'securityfs', 0x42494e4d: 'binfmt_misc',
  0xcafe4a11: 'bpf', 0x1cd1: 'devpts', 0x6165676c: 'pstore', 0x19800202: 'mqueue', 0xde5e81e4: 'efivarfs',
  0x50495045: 'pipefs', 0x534f434b: 'sockfs', 0x1373: 'devfs',
};

/** Creates dir and its missing parents, one mkdir each (at most one pass over the path). */
export function makeDirs(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    try {
      if (fs.statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      fs.mkdirSync(m, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Why `dir` cannot be (or become) the state dir, or null when it can. Reads only. */
export function stateDirProblem(dir: string): string | null {
  let d = path.resolve(dir);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && path.dirname(d) !== d) {
        d = path.dirname(d);
        continue;
      }
      return `${d}: ${code ?? String(err)}`;
    }
    if (!st.isDirectory()) return `${d} is not a directory`;
    try {
      const kind = PSEUDO_FS[Number(fs.statfsSync(d).type)];
      if (kind !== undefined) return `${d} is on ${kind}, not a filesystem for state files`;
      fs.accessSync(d, fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      return `${d}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
    return null;
  }
}
