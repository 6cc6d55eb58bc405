// CNI DEL: best effort and idempotent; no netns, prevResult or state needed (spec A2).
import { detach } from '../core/detach';
import type { DriverDeps } from '../deps';
import type { NetConf } from '../cni/config';
import type { CniEnv } from '../cni/env';

export async function cmdDel(deps: DriverDeps, env: CniEnv, conf: NetConf): Promise<void> {
  await detach(deps, { conf, containerId: env.containerId, ifName: env.ifName });
}
