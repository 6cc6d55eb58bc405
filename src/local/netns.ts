// Named network namespaces (`ip netns`), the local stand-in for the namespace handle Mesos
// bind-mounts per container. Names are checked before they reach a command line.
import * as fs from 'node:fs';
import { runOk, type Run } from './exec';
import { checkNetnsName } from './names';

export const NETNS_DIR = '/var/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${checkNetnsName(name)}`;
}

export function netnsExists(name: string): boolean {
  try {
    fs.statSync(netnsPath(name));
    return true;
  } catch {
    return false;
  }
}

/** Creates the namespace with `lo` up. */
export async function addNetns(run: Run, name: string): Promise<void> {
  await runOk(run, 'ip', ['netns', 'add', checkNetnsName(name)]);
  await runOk(run, 'ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Deletes the namespace; an absent one counts as done. */
export async function delNetns(run: Run, name: string): Promise<void> {
  checkNetnsName(name);
  if (!netnsExists(name)) return;
  const r = await run('ip', ['netns', 'del', name]);
  if (r.code !== 0 && netnsExists(name)) await runOk(run, 'ip', ['netns', 'del', name]);
}

/** Names of all named namespaces (`ip netns list` prints `name (id: N)` or just `name`). */
export async function listNetns(run: Run): Promise<string[]> {
  const out = await runOk(run, 'ip', ['netns', 'list']);
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

/** SIGKILLs every process still inside the namespace (strays, or tasks orphaned by a crash). */
export async function killNetnsProcesses(run: Run, name: string): Promise<number> {
  checkNetnsName(name);
  if (!netnsExists(name)) return 0;
  const r = await run('ip', ['netns', 'pids', name]);
  let killed = 0;
  for (const line of r.stdout.split('\n')) {
    const pid = Number(line.trim());
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}
