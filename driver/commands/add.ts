// CNI ADD: config (strict) → interface spec → attach → result in the config's version.
import { attach } from '../core/attach';
import type { DriverDeps } from '../deps';
import type { NetConf } from '../cni/config';
import { readInterfaceSpec } from '../cni/interface-spec';
import { toCniResult, type WireResult } from '../cni/result';
import type { CniEnv } from '../cni/env';

export async function cmdAdd(deps: DriverDeps, env: CniEnv, conf: NetConf): Promise<WireResult> {
  const spec = readInterfaceSpec({ raw: conf.raw, networkName: conf.name, containerId: env.containerId, ifName: env.ifName, cniArgs: env.args });
  const result = await attach(deps, { conf, containerId: env.containerId, ifName: env.ifName, netns: env.netns as string, pid: null, spec });
  return toCniResult(result, conf.cniVersion);
}
