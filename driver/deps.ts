// Everything the driver's shells touch, in one object: processes, OpenVNet, the fault hook,
// host name. Tests pass recording or failing versions.
import * as os from 'node:os';
import { spawnRunner, type Runner } from './plumb/exec';
import { clientRegistry, type RegistryFactory } from './openvnet/registry';
import type { FaultHook } from './state/step-log';

export interface DriverDeps {
  run: Runner;
  registry: RegistryFactory;
  fault: FaultHook;
  hostName: string;
}

/** VNET_DRIVER_FAULT=<step> (or <step>:before) kills the process there, like a SIGKILL: no rollback. */
export function envFault(env: NodeJS.ProcessEnv): FaultHook {
  const want = env.VNET_DRIVER_FAULT;
  if (want === undefined || want === '') return () => undefined;
  return (step) => {
    if (step === want) process.exit(137);
  };
}

export function realDeps(env: NodeJS.ProcessEnv = process.env): DriverDeps {
  return { run: spawnRunner, registry: clientRegistry, fault: envFault(env), hostName: os.hostname() };
}
