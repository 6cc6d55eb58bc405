// CNI GC (1.1): remove every attachment of this network that is not in cni.dev/valid-attachments.
import { collectGarbage } from '../core/gc';
import type { DriverDeps } from '../deps';
import type { NetConf } from '../cni/config';
import { CniError, CNI_CODES, invalidConfig } from '../cni/errors';

export function validAttachments(raw: Record<string, unknown>): Set<string> {
  const list = raw['cni.dev/valid-attachments'];
  if (!Array.isArray(list)) throw invalidConfig('cni.dev/valid-attachments: array expected');
  const out = new Set<string>();
  for (const a of list) {
    if (a === null || typeof a !== 'object') throw invalidConfig('cni.dev/valid-attachments: {containerID, ifname} expected');
    const o = a as Record<string, unknown>;
    if (typeof o.containerID !== 'string' || typeof o.ifname !== 'string') throw invalidConfig('cni.dev/valid-attachments: {containerID, ifname} expected');
    out.add(`${o.containerID}\0${o.ifname}`);
  }
  return out;
}

export async function cmdGc(deps: DriverDeps, conf: NetConf): Promise<void> {
  const valid = validAttachments(conf.raw);
  const report = await collectGarbage(deps, {
    confs: [conf], dryRun: false, network: conf.name, deep: false,
    keep: (h) => valid.has(`${h.containerId}\0${h.ifName}`),
    keepOwner: (cid, ifName) => valid.has(`${cid}\0${ifName}`),
  });
  if (report.errors.length > 0) throw new CniError(CNI_CODES.CLEANUP_INCOMPLETE, 'gc could not remove everything', report.errors.join('; '));
}
