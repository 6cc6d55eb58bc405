// Undoing recorded steps (rollback, DEL, gc). Each undo treats "already gone" as done; failures
// are collected, never stop the others (host-local cmdDel style).
import { CniError, CNI_CODES, toCniError } from '../cni/errors';
import type { DriverDeps } from '../deps';
import { stopClient } from '../plumb/dhcp';
import { deleteLink } from '../plumb/ip';
import { netnsInode } from '../plumb/netns';
import { deletePort } from '../plumb/ovs';
import { releaseLinkAddresses } from '../state/link-alloc';
import type { StepRecord } from '../state/step-log';

export async function undoStep(deps: DriverDeps, r: StepRecord): Promise<void> {
  switch (r.kind) {
    case 'veth':
      // The host namespace itself gone means its links went with it.
      if (r.hostNetns !== null && netnsInode(r.hostNetns) === null) return;
      await deleteLink(deps.run, r.hostNetns, r.hostIf);
      return;
    case 'ovs-port':
      await deletePort(deps.run, r.ovsDb, r.bridge, r.port);
      return;
    case 'openvnet-interface':
      await deps.registry(r.openvnet).deleteInterface(r.uuid);
      return;
    case 'dhcp-client':
      await stopClient(r.pidFile);
      return;
    case 'link-address':
      await releaseLinkAddresses(r.dir, r.owner);
      return;
  }
}

/**
 * Undoes in reverse order; returns the failures. OpenVNet records and local plumbing do not
 * depend on each other (vna pairs a record with a port whenever both exist, B6), so the remote
 * deletes run alongside the local chain instead of after it: a DEL waits for the slower of the
 * two, not their sum. Within each chain the order stays strictly reverse.
 */
export async function undoAll(deps: DriverDeps, steps: readonly StepRecord[]): Promise<CniError[]> {
  const errors: CniError[] = [];
  const chain = async (records: readonly StepRecord[]): Promise<void> => {
    for (const r of records) {
      try {
        await undoStep(deps, r);
      } catch (err) {
        errors.push(toCniError(err));
      }
    }
  };
  const reverse = [...steps].reverse();
  // Local first: its first command is spawned before the OpenVNet client (axios) loads, so
  // the two overlap too.
  await Promise.all([
    chain(reverse.filter((r) => r.kind !== 'openvnet-interface')),
    chain(reverse.filter((r) => r.kind === 'openvnet-interface')),
  ]);
  return errors;
}

/** One error for many: transient when any part was transient (the runtime retries DEL). */
export function combineErrors(what: string, errors: readonly CniError[]): CniError {
  if (errors.length === 1) return errors[0];
  const code = errors.some((e) => e.code === CNI_CODES.TRY_AGAIN_LATER) ? CNI_CODES.TRY_AGAIN_LATER : CNI_CODES.CLEANUP_INCOMPLETE;
  return new CniError(code, what, errors.map((e) => e.message).join('; '));
}
