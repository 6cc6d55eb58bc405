// A replacement's ADD finding the old container's OpenVNet record (issue 19): a stale record of
// ours is removed and the create retried; a live one is waited for; a foreign one is an error.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CniError, CNI_CODES } from '../../driver/cni/errors';
import { conflicts, createReplacingStale } from '../../driver/core/stale';
import { ownerTag, type InterfaceRecord, type NewInterface, type VnetRegistry } from '../../driver/openvnet/registry';

const DP = 'dp-node1';
const WANT: NewInterface = { uuid: 'if-aaaaaaaaaaaa', networkUuid: 'nw-vnet3', mac: '02:00:00:00:00:01', ipv4: '192.168.0.5', portName: 'if-aaaaaaaaaaaa', datapath: DP, displayName: `app eth0 ${ownerTag(DP)}` };
const rec = (uuid: string, o: Partial<InterfaceRecord> = {}): InterfaceRecord => ({
  uuid, mode: 'vif', displayName: `old eth0 ${ownerTag(DP)}`, mac: '02:00:00:00:00:01', ipv4: null, networkUuid: 'nw-vnet3', ...o,
});

function registry(records: InterfaceRecord[]): { reg: VnetRegistry; deleted: string[]; created: string[] } {
  const deleted: string[] = [];
  const created: string[] = [];
  const reg = {
    interfaces: async () => records.slice(),
    deleteInterface: async (uuid: string) => {
      deleted.push(uuid);
      const i = records.findIndex((r) => r.uuid === uuid);
      if (i >= 0) records.splice(i, 1);
      return 'deleted' as const;
    },
    createInterface: async (p: NewInterface) => {
      if (conflicts(records, p).length > 0) throw new CniError(CNI_CODES.OPENVNET_REJECTED, 'OpenVNet refused the request', "Duplicate entry '02:00:00:00:00:01'");
      created.push(p.uuid);
      records.push(rec(p.uuid));
    },
  } as unknown as VnetRegistry;
  return { reg, deleted, created };
}

describe('driver: stale OpenVNet records on slot reuse (unit)', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-stale-'));
    fs.mkdirSync(path.join(stateDir, 'attachments'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  const logFor = (uuid: string, netns: string): void => fs.writeFileSync(path.join(stateDir, 'attachments', `${uuid}.json`),
    `${JSON.stringify({ v: 1, containerId: 'old', ifName: 'eth0', hostIf: uuid, netns, netnsInode: null })}\n`);

  it('conflicts: same MAC anywhere, or the same address on the same network; never itself', () => {
    const rs = [rec('if-bbbbbbbbbbbb'), rec('if-cccccccccccc', { mac: '02:00:00:00:00:09', ipv4: '192.168.0.5' }),
      rec('if-dddddddddddd', { mac: '02:00:00:00:00:0a', ipv4: '192.168.0.5', networkUuid: 'nw-vnet1' }), rec(WANT.uuid)];
    assert.deepEqual(conflicts(rs, WANT).map((r) => r.uuid), ['if-bbbbbbbbbbbb', 'if-cccccccccccc']);
  });

  it('a record of ours without a live container (no log, or its namespace gone) is removed and the create retried', async () => {
    logFor('if-cccccccccccc', '/nonexistent/netns');
    const f = registry([rec('if-bbbbbbbbbbbb'), rec('if-cccccccccccc', { mac: '02:00:00:00:00:09', ipv4: '192.168.0.5' })]);
    await createReplacingStale(f.reg, WANT, stateDir, () => f.reg.createInterface(WANT), 0);
    assert.deepEqual(f.deleted.sort(), ['if-bbbbbbbbbbbb', 'if-cccccccccccc']);
    assert.deepEqual(f.created, [WANT.uuid]);
  });

  it('a live holder is waited for (bounded) and never deleted by the new ADD', async () => {
    logFor('if-bbbbbbbbbbbb', '/proc/self/ns/net');
    const records = [rec('if-bbbbbbbbbbbb')];
    const f = registry(records);
    // A virtual clock: the old container's DEL removes its record after the third poll.
    let t = 0;
    let polls = 0;
    const clock = { now: () => t, setTimer: (fn: () => void, ms: number) => { t += ms; if (++polls === 3) records.splice(0, 1); fn(); return { cancel: () => undefined }; } };
    await createReplacingStale(f.reg, WANT, stateDir, () => f.reg.createInterface(WANT), 5000, clock);
    assert.equal(polls, 3);
    assert.deepEqual(f.deleted, []);
    assert.deepEqual(f.created, [WANT.uuid]);
    const g = registry([rec('if-bbbbbbbbbbbb')]);
    const still = { now: () => t, setTimer: (fn: () => void, ms: number) => { t += ms; fn(); return { cancel: () => undefined }; } };
    await assert.rejects(createReplacingStale(g.reg, WANT, stateDir, () => g.reg.createInterface(WANT), 1000, still), /still held by live container interface\(s\) if-bbbbbbbbbbbb/);
  });

  it('a record that is not ours (another datapath, or not a driver name) is left alone: the error stands', async () => {
    for (const r of [rec('if-bbbbbbbbbbbb', { displayName: `x eth0 ${ownerTag('dp-other')}` }), rec('if-manual')]) {
      const f = registry([r]);
      await assert.rejects(createReplacingStale(f.reg, WANT, stateDir, () => f.reg.createInterface(WANT), 0), /Duplicate entry/);
      assert.deepEqual(f.deleted, []);
    }
  });
});
