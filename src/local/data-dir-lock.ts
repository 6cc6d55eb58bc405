// One `marathon-vnet local` per data dir. Start-up removes what an earlier run left (checkpointed
// containers, the fabric namespaces carrying the dir's tag), which is right after a crash and
// wrong while that run is alive: a second instance on the same dir would tear down the first
// one's tasks and bridges. So the dir is claimed first, with a pid file; a claim whose process is
// gone is stale and taken over.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LOCK_FILE = 'local.pid';

export class DataDirLockedError extends Error {
  readonly code = 'MVN_ERR_LOCAL_DATA_DIR_LOCKED';
  constructor(readonly dataDir: string, readonly holderPid: number) {
    super(`another marathon-vnet local (pid ${holderPid}) is using the data dir ${dataDir}: stop it first (Ctrl-C), `
      + `or give this one its own --data-dir. If no such process runs, delete ${path.join(dataDir, LOCK_FILE)}`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the claim if it is still ours; idempotent. */
  release(): void;
}

export interface LockDeps {
  pid: number;
  /** whether a process with this pid exists */
  alive: (pid: number) => boolean;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `dataDir` (which must exist) for this process. Throws DataDirLockedError while another
 * live process holds it. The same process may claim again (a restart within one process, as
 * the crash-recovery test does).
 */
export function lockDataDir(dataDir: string, deps: LockDeps = { pid: process.pid, alive: processAlive }): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const mine = `${deps.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o644 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder === deps.pid) break;
    if (holder !== undefined && deps.alive(holder)) throw new DataDirLockedError(dataDir, holder);
    if (attempt >= 3) throw new Error(`cannot claim the data dir ${dataDir}: ${file} keeps changing`);
    // Stale (its process is gone, or the file is unreadable): remove it, unless somebody
    // replaced it meanwhile, and try again.
    if (readHolder(file) === holder) fs.rmSync(file, { force: true });
  }
  let released = false;
  return {
    file,
    release(): void {
      if (released) return;
      released = true;
      if (readHolder(file) === deps.pid) fs.rmSync(file, { force: true });
    },
  };
}

function readHolder(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
