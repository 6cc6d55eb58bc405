// The agent-link recordings of a real Mesos 1.11 agent (fixtures/mesos-1.11/agent-link-*.jsonl),
// replayed through the wire codec (JSON and protobuf RecordIO) and the status → task mapping the
// API uses (src/core/network/network-info.ts fromStatusNetworkInfos):
//   plain   the agent reported [vnet-agent-link, nw-vnet3] for a launch of [nw-vnet3, vnet-agent-link];
//           the task must show nw-vnet3 with 192.168.0.100 and nothing of the link.
//   nolink  the same task without the link failed "Executor terminated": why the link exists.
import assert from 'node:assert/strict';
import { normalizeApp } from '../../src/core/apps/normalize';
import { type Encoding, decodeEvent, encodeEvent } from '../../src/mesos/codec';
import { RecordIODecoder, encodeRecord } from '../../src/mesos/recordio';
import type { Call, Event, NetworkInfo, TaskStatus } from '../../src/mesos/types';
import { fromStatusNetworkInfos, toNetworkInfos } from '../../src/core/network/network-info';
import { readScenario } from './mesos-fixtures';

const LINK = 'vnet-agent-link';

function launchedNetworkInfos(scenario: string): NetworkInfo[] {
  const accept = readScenario(scenario).find((l) => l.dir === 'request' && (l.body as Call | undefined)?.type === 'ACCEPT')?.body as Call | undefined;
  const infos = accept?.accept?.operations?.[0]?.launch?.task_infos[0]?.container?.network_infos;
  assert.ok(infos, `${scenario}: the recorded ACCEPT launches a task with network_infos`);
  return infos;
}

function updates(scenario: string): Event[] {
  return readScenario(scenario).filter((l) => l.dir === 'event' && l.event?.type === 'UPDATE').map((l) => l.event as unknown as Event);
}

/** The event as the client would get it off the wire in `encoding`. */
function overTheWire(event: Event, encoding: Encoding): TaskStatus {
  const records = new RecordIODecoder().push(encodeRecord(encodeEvent(event, encoding)));
  assert.equal(records.length, 1);
  const status = decodeEvent(records[0] as Buffer, encoding).update?.status;
  assert.ok(status);
  return status;
}

/** Our own NetworkInfos for the recorded task (one static interface on nw-vnet3 as eth1). */
function ours(agentLink: string | undefined): NetworkInfo[] {
  const normalized = normalizeApp({
    id: '/probe', cmd: 'sleep 20', cpus: 0.1, mem: 32,
    networkInterfaces: [{ networkName: 'nw-vnet3', interfaceName: 'eth1', bootproto: 'static', ipAddress: '192.168.0.100', netmask: '255.255.255.0', gateway: '192.168.0.1' }],
  });
  if ('violations' in normalized) assert.fail(JSON.stringify(normalized.violations));
  return toNetworkInfos(normalized.app, 0, new Map([['eth1', '192.168.0.100']]), agentLink === undefined ? {} : { agentLink });
}

const NW_VNET3 = { networkName: 'nw-vnet3', interfaceName: 'eth1', bootproto: 'static', ipAddress: '192.168.0.100', prefixLength: 24, gateway: '192.168.0.1' };

describe('agent link: recorded Mesos 1.11 updates through the status → task mapping', function () {
  const recordedLaunch = launchedNetworkInfos('agent-link-plain');
  const plain = updates('agent-link-plain').filter((e) => e.update?.status.container_status?.network_infos !== undefined);

  it('the recording: launched [nw-vnet3, vnet-agent-link], reported in another order', function () {
    assert.deepEqual(recordedLaunch.map((n) => n.name), ['nw-vnet3', LINK]);
    assert.deepEqual(plain.map((e) => e.update?.status.state), ['TASK_STARTING', 'TASK_RUNNING']);
    for (const e of plain) {
      const reported = e.update?.status.container_status?.network_infos ?? [];
      assert.deepEqual(reported.map((n) => n.name), [LINK, 'nw-vnet3']);
      // A mapping by position would give nw-vnet3 the link's address.
      assert.equal(reported[0]?.ip_addresses?.[0]?.ip_address, '169.254.100.2');
    }
  });

  it('our launch for the same task has the same networks in the same order, the link last', function () {
    const mine = ours(LINK);
    assert.deepEqual(mine.map((n) => n.name), recordedLaunch.map((n) => n.name));
    const recordedLabels = recordedLaunch[0]?.labels?.labels ?? [];
    const myLabels = mine[0]?.labels?.labels ?? [];
    for (const l of recordedLabels) assert.ok(myLabels.some((m) => m.key === l.key && m.value === l.value), `label ${l.key}=${l.value}`);
    assert.deepEqual(mine[0]?.ip_addresses, recordedLaunch[0]?.ip_addresses);
    assert.equal(mine[1]?.ip_addresses, undefined, 'the link asks for no address: the plugin picks one');
  });

  for (const encoding of ['json', 'protobuf'] as Encoding[]) {
    it(`matches the reported networks by name and leaves the link out (${encoding})`, function () {
      for (const e of plain) {
        const status = overTheWire(e, encoding);
        assert.deepEqual(status.container_status?.network_infos?.map((n) => n.name), [LINK, 'nw-vnet3'], 'the order survives the codec');
        for (const configured of [recordedLaunch, ours(LINK)]) {
          const view = fromStatusNetworkInfos(configured, status.container_status?.network_infos, { agentLink: LINK });
          const iface = view.networkInterfaces.map((n) => ({ ...n, macAddress: undefined }));
          assert.deepEqual(iface, [{ ...NW_VNET3, macAddress: undefined }]);
          assert.deepEqual(view.ipAddresses, [{ ipAddress: '192.168.0.100', protocol: 'IPv4' }]);
          assert.ok(!JSON.stringify(view).includes('169.254.'), 'nothing of the link');
        }
        // Our own launch labels the link, so it stays out even without the option.
        const labelled = fromStatusNetworkInfos(ours(LINK), status.container_status?.network_infos);
        assert.deepEqual(labelled.networkInterfaces.map((n) => n.networkName), ['nw-vnet3']);
      }
    });
  }

  it('nolink: launched without the link, the task failed because the executor could not reach the agent', function () {
    assert.deepEqual(launchedNetworkInfos('agent-link-nolink').map((n) => n.name), ['nw-vnet3']);
    assert.deepEqual(ours(undefined).map((n) => n.name), ['nw-vnet3'], 'what serve --no-agent-link launches');
    const statuses = updates('agent-link-nolink').map((e) => e.update?.status as TaskStatus);
    assert.ok(!statuses.some((s) => s.state === 'TASK_RUNNING'));
    const failed = statuses.find((s) => s.state === 'TASK_FAILED');
    assert.deepEqual([failed?.message, failed?.reason, failed?.source], ['Executor terminated', 'REASON_EXECUTOR_TERMINATED', 'SOURCE_AGENT']);
    for (const encoding of ['json', 'protobuf'] as Encoding[]) {
      const status = overTheWire({ type: 'UPDATE', update: { status: failed as TaskStatus } }, encoding);
      const view = fromStatusNetworkInfos(launchedNetworkInfos('agent-link-nolink'), status.container_status?.network_infos, { agentLink: LINK });
      assert.deepEqual(view.networkInterfaces, [NW_VNET3], 'the configured interface, no status address');
      assert.deepEqual(view.ipAddresses, []);
    }
  });
});
