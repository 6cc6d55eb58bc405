// `vnet-driver gc` and `vnet-driver status` over a CNI config directory.
import { collectGarbage, isAlive, type GcReport } from '../core/gc';
import { cmdStatus } from '../commands/status';
import { toCniError } from '../cni/errors';
import type { DriverDeps } from '../deps';
import { netnsAlive } from '../plumb/netns';
import { loadConfigs } from './config-dir';

export async function cliGc(deps: DriverDeps, configDir: string, dryRun: boolean): Promise<GcReport> {
  const confs = loadConfigs(configDir, deps.hostName).map((c) => c.conf);
  return collectGarbage(deps, {
    confs, dryRun, network: null, deep: true,
    keep: isAlive,
    keepOwner: (_cid, _ifName, netns) => netns !== null && netnsAlive(netns, null),
  });
}

export interface StatusLine { network: string; file: string; ok: boolean; code?: number; msg?: string }

export async function cliStatus(deps: DriverDeps, configDir: string): Promise<StatusLine[]> {
  const out: StatusLine[] = [];
  for (const c of loadConfigs(configDir, deps.hostName)) {
    if (c.problems.length > 0) {
      out.push({ network: c.conf.name, file: c.file, ok: false, code: 7, msg: c.problems.join('; ') });
      continue;
    }
    try {
      await cmdStatus(deps, c.conf);
      out.push({ network: c.conf.name, file: c.file, ok: true });
    } catch (err) {
      const e = toCniError(err);
      out.push({ network: c.conf.name, file: c.file, ok: false, code: e.code, msg: e.message });
    }
  }
  return out;
}
