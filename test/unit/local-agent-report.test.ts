// What a local agent reports in container_status.network_infos, and what /master/state shows of a
// task: shaped like Mesos 1.11 (see fixtures/mesos-1.11/agent-link-plain.jsonl).
import assert from 'node:assert/strict';
import { reportedNetworkInfos, staticAddress } from '../../src/sim/mesos/agent';
import { masterStateView } from '../../src/sim/mesos/state-view';
import type { MasterSnapshot } from '../../src/sim/mesos/master-core';
import type { TaskInfo } from '../../src/mesos/types';

const task = (networks: string[]): TaskInfo => ({
  name: 't', task_id: { value: 't' }, agent_id: { value: 'a' }, command: { value: 'true' },
  container: {
    type: 'MESOS',
    network_infos: networks.map((name, i) => ({
      name, labels: { labels: [{ key: 'vnet.interface', value: `eth${i}` }] },
      ...(name === 'nw-vnet3' ? { ip_addresses: [{ protocol: 'IPv4' as const, ip_address: '192.168.0.100' }] } : { ip_addresses: [{ protocol: 'IPv4' as const }] }),
    })),
  },
});

describe('local agent: reported network_infos', () => {
  it('reports named networks in the reverse of the request order, as the recorded agent did', () => {
    const reported = reportedNetworkInfos(task(['nw-vnet3', 'vnet-agent-link']), '127.0.0.1', staticAddress);
    assert.deepEqual(reported.map((n) => n.name), ['vnet-agent-link', 'nw-vnet3']);
    assert.deepEqual(reported[1]?.ip_addresses, [{ protocol: 'IPv4', ip_address: '192.168.0.100' }]);
    assert.equal(reported[0]?.ip_addresses, undefined, 'no address known, none reported');
    assert.deepEqual(reported[0]?.labels, { labels: [{ key: 'vnet.interface', value: 'eth1' }] }, 'the request labels are copied');
  });

  it('asks for addresses in request order even though it reports them reversed', () => {
    const asked: string[] = [];
    const reported = reportedNetworkInfos(task(['nw-a', 'nw-b', 'nw-c']), '127.0.0.1', (n) => { asked.push(n.name ?? ''); return `10.0.0.${asked.length}`; });
    assert.deepEqual(asked, ['nw-a', 'nw-b', 'nw-c']);
    assert.deepEqual(reported.map((n) => [n.name, n.ip_addresses?.[0]?.ip_address]), [['nw-c', '10.0.0.3'], ['nw-b', '10.0.0.2'], ['nw-a', '10.0.0.1']]);
  });

  it('host networking reports the agent address', () => {
    assert.deepEqual(reportedNetworkInfos(task([]), '10.1.2.3'), [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '10.1.2.3' }] }]);
  });
});

describe('local master: /master/state tasks', () => {
  it('carry the launched container (network_infos in launch order), labels and each status\'s container_status', () => {
    const info = task(['nw-vnet3', 'vnet-agent-link']);
    const containerStatus = { container_id: { value: 'c1' }, network_infos: reportedNetworkInfos(info, '127.0.0.1', staticAddress) };
    const snapshot = {
      id: 'm', frameworks: [{
        id: 'f', name: 'fw', user: 'root', role: '*', capabilities: [], connected: true, suppressed: false, failoverTimeoutSeconds: 0,
        registeredAt: 0, offers: [], tasks: [{
          frameworkId: 'f', taskId: 't', name: 't', agentId: 'a', state: 'TASK_RUNNING', resources: {}, containerId: 'c1',
          statuses: [{ state: 'TASK_RUNNING', timestamp: 1, containerStatus }], pendingUpdates: 0,
          container: info.container, labels: { labels: [{ key: 'k', value: 'v' }] },
        }],
      }],
      completedFrameworks: [], tasks: [], completedTasks: [], agents: [], offers: [], pendingStatusUpdates: 0,
    } as unknown as MasterSnapshot;
    const view = masterStateView(snapshot, { pid: 'master@127.0.0.1:5050', hostname: '127.0.0.1', leaderPid: 'master@127.0.0.1:5050', startTime: 0 }) as {
      frameworks: Array<{ tasks: Array<Record<string, unknown> & { statuses: Array<Record<string, unknown>> }> }>;
    };
    const t = view.frameworks[0]?.tasks[0];
    assert.deepEqual((t?.container as TaskInfo['container'])?.network_infos?.map((n) => n.name), ['nw-vnet3', 'vnet-agent-link']);
    assert.deepEqual(t?.labels, { labels: [{ key: 'k', value: 'v' }] });
    assert.deepEqual(t?.statuses[0], { state: 'TASK_RUNNING', timestamp: 1, container_status: containerStatus });
    assert.equal(t?.container_id, 'c1');
  });
});
