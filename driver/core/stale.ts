// A slot's MAC and static address are free when the old interfaces are gone, not when Mesos says
// TASK_KILLED: a replacement launched into the same slot can find the old container's OpenVNet
// record still there (issue 19). When OpenVNet refuses a new record, the records holding the
// same MAC (or the same address on the network) are looked at: one of ours whose container no
// longer exists (no attachment log, or its namespace is gone) is removed; one whose container
// still exists is waited for, boundedly, while its DEL runs. Anything else stays an error.
import { sleep, systemClock, type Clock } from '../../src/lib/clock';
import { CniError } from '../cni/errors';
import { ownerTag, type InterfaceRecord, type NewInterface, type VnetRegistry } from '../openvnet/registry';
import { isHostIfName } from '../cni/names';
import { netnsAlive } from '../plumb/netns';
import { logPath, readLog } from '../state/step-log';
import { trace } from '../trace';

/** How long an ADD waits for a live old container's teardown to release a MAC or address. */
export const STALE_WAIT_MS = 20_000;
const POLL_MS = 250;

export type Holder = 'stale' | 'live' | 'foreign';

/** Who holds a conflicting record: ours and dead, ours and alive, or not ours to touch. */
export function holderOf(rec: InterfaceRecord, datapath: string, stateDir: string): Holder {
  if (!isHostIfName(rec.uuid) || rec.displayName === null || !rec.displayName.endsWith(ownerTag(datapath))) return 'foreign';
  const log = readLog(logPath(stateDir, rec.uuid));
  if (log === null) return 'stale';
  return netnsAlive(log.header.netns, log.header.netnsInode) ? 'live' : 'stale';
}

export function conflicts(records: InterfaceRecord[], want: NewInterface): InterfaceRecord[] {
  const mac = want.mac.toLowerCase();
  return records.filter((r) => r.uuid !== want.uuid && r.mode === 'vif'
    && ((r.mac !== null && r.mac.toLowerCase() === mac) || (want.ipv4 !== null && r.ipv4 === want.ipv4 && r.networkUuid === want.networkUuid)));
}


/**
 * Creates the record; on refusal, clears what stale records of ours hold the MAC/address and
 * waits (at most `waitMs`) for live ones to go, then tries again. The first error is rethrown
 * when no record of ours explains it.
 */
export async function createReplacingStale(reg: VnetRegistry, want: NewInterface, stateDir: string, create: () => Promise<void>, waitMs = STALE_WAIT_MS, clock: Clock = systemClock): Promise<void> {
  try {
    await create();
    return;
  } catch (err) {
    if (!(err instanceof CniError)) throw err;
    const deadline = clock.now() + waitMs;
    let first = true;
    for (;;) {
      let records: InterfaceRecord[];
      try {
        records = await reg.interfaces();
      } catch {
        throw err; // cannot tell who holds it: the refusal stands
      }
      const held = conflicts(records, want);
      if (held.length === 0 && first) throw err;
      const holders = held.map((r) => ({ r, h: holderOf(r, want.datapath, stateDir) }));
      if (holders.some((x) => x.h === 'foreign')) throw err;
      for (const { r, h } of holders) {
        if (h !== 'stale') continue;
        trace(`removing stale OpenVNet record ${r.uuid}`);
        await reg.deleteInterface(r.uuid);
      }
      if (holders.every((x) => x.h === 'stale')) {
        await create();
        return;
      }
      if (clock.now() > deadline) {
        throw new CniError(err.code, err.msg, `${err.details ?? ''}; still held by live container interface(s) ${holders.filter((x) => x.h === 'live').map((x) => x.r.uuid).join(', ')} after ${waitMs} ms`);
      }
      first = false;
      await sleep(clock, POLL_MS);
    }
  }
}
