// DEL (and CLI detach): idempotent. With a step log, undo it in reverse; without one (state lost,
// reboot), find leftovers by name and external_ids and delete only what carries our marks.
// Failures do not stop the rest; the log is dropped only when everything is gone.
import * as path from 'node:path';
import type { NetConf } from '../cni/config';
import { CniError, toCniError } from '../cni/errors';
import { hostIfName } from '../cni/names';
import type { DriverDeps } from '../deps';
import { stopClient } from '../plumb/dhcp';
import { deleteLink, showLink } from '../plumb/ip';
import { ALIAS_PREFIX } from '../plumb/link';
import { netnsKind } from '../plumb/netns';
import { stateDirProblem } from '../state/dirs';
import { deletePort, findOurInterfaces } from '../plumb/ovs';
import { releaseLinkAddresses } from '../state/link-alloc';
import { logPath, readLog, StepLog, type LogContents } from '../state/step-log';
import { dhcpPaths } from '../plumb/dhcp';
import { combineErrors, undoAll } from './undo';

export interface DetachRequest {
  /** Parsed leniently: fields that failed validation are null. */
  conf: NetConf;
  containerId: string;
  ifName: string;
}

async function attempt(errors: CniError[], fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    errors.push(toCniError(err));
  }
}

/** Removes what a log lists, then the log itself when nothing failed. */
export async function teardownLog(deps: DriverDeps, log: LogContents): Promise<CniError[]> {
  const errors = await undoAll(deps, log.steps);
  if (errors.length === 0) StepLog.remove(log.file);
  return errors;
}

/**
 * No state: look for our leftovers under the names this (container, ifname) would have. The
 * OpenVNet record goes alongside the local sweep (see undoAll).
 */
async function sweepLeftovers(deps: DriverDeps, conf: NetConf, containerId: string, ifName: string, hostIf: string, stateOk: boolean): Promise<CniError[]> {
  const errors: CniError[] = [];
  const invalid = new Set(conf.invalid);
  const remote = async (): Promise<void> => {
    if (conf.mode === 'vif' && conf.openvnet !== null) {
      const ov = conf.openvnet;
      await attempt(errors, () => deps.registry(ov).deleteInterface(hostIf));
    }
  };
  const local = async (): Promise<void> => {
    if (stateOk) await attempt(errors, () => stopClient(dhcpPaths(conf.stateDir, 'udhcpc', hostIf).pidFile));
    if (stateOk && conf.mode === 'agent-link') {
      await attempt(errors, () => releaseLinkAddresses(path.join(conf.stateDir, 'agent-link'), hostIf));
    }
    if (conf.mode === 'vif' && conf.bridgeType === 'ovs' && !invalid.has('ovsDb') && !invalid.has('bridgeType')) {
      await attempt(errors, async () => {
        for (const row of await findOurInterfaces(deps.run, conf.ovsDb, { container_id: containerId, iface: ifName })) {
          await deletePort(deps.run, conf.ovsDb, null, row.name);
        }
      });
    }
    // Only a namespace that is one: an invalid hostNetns is not "the driver's own" (null).
    if (conf.hostNetns === null ? !invalid.has('hostNetns') : netnsKind(conf.hostNetns) === 'netns') {
      await attempt(errors, async () => {
        const link = await showLink(deps.run, conf.hostNetns, hostIf);
        if (link !== null && (link.alias ?? '').startsWith(ALIAS_PREFIX)) await deleteLink(deps.run, conf.hostNetns, hostIf);
      });
    }
  };
  await Promise.all([local(), remote()]);
  return errors;
}

export async function detach(deps: DriverDeps, req: DetachRequest): Promise<void> {
  const hostIf = hostIfName(req.conf.mode, req.containerId, req.ifName);
  // A state dir that failed validation (or is no place for files, e.g. /proc/1) holds nothing of ours.
  const stateOk = !req.conf.invalid.includes('stateDir') && stateDirProblem(req.conf.stateDir) === null;
  const file = logPath(req.conf.stateDir, hostIf);
  const log = stateOk ? readLog(file) : null;
  const errors = log !== null ? await teardownLog(deps, log) : await sweepLeftovers(deps, req.conf, req.containerId, req.ifName, hostIf, stateOk);
  if (stateOk && log === null && errors.length === 0) StepLog.remove(file);
  if (errors.length > 0) throw combineErrors('could not remove everything', errors);
}
