import assert from 'node:assert/strict';
import { type Encoding, decodeCall, decodeEvent, decodeMessage, encodeCall, encodeEvent, encodeMessage, messageType } from '../../src/mesos/codec';
import type { Call, Event, FrameworkInfo, TaskInfo } from '../../src/mesos/types';

const FID = { value: 'ad0bf1ae-dffe-4a91-a428-f4706013b64a-0003' };
const AGENT = { value: '91bd5acd-ef65-4821-88e5-287772fa4543-S0' };
const UUID_B64 = 'l5W0m2fqTkK4mJ0v9e0m3A==';

const FRAMEWORK: FrameworkInfo = {
  user: 'root',
  name: 'marathon-vnet',
  failover_timeout: 604800,
  checkpoint: true,
  roles: ['*'],
  hostname: '10.0.0.5',
  webui_url: 'http://10.0.0.5:8080',
  capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }],
  labels: { labels: [{ key: 'owner', value: 'ops' }] },
};

const TASK: TaskInfo = {
  name: 'vnettest',
  task_id: { value: 'vnettest.instance-0b6e._app.1' },
  agent_id: AGENT,
  resources: [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } },
    { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } },
  ],
  command: { shell: true, value: 'sleep 3600', environment: { variables: [{ name: 'A', value: 'b' }] } },
  container: {
    type: 'MESOS',
    mesos: { image: { type: 'DOCKER', docker: { name: 'busybox:latest' } } },
    network_infos: [
      { name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4' }], labels: { labels: [{ key: 'vnet.interface', value: 'eth0' }] } },
      { name: 'nw-vnet2', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.200.0.10' }] },
    ],
  },
  kill_policy: { grace_period: { nanoseconds: 5_000_000_000 } },
  labels: { labels: [{ key: 'vnet.app', value: '/vnettest' }] },
  data: Buffer.from('opaque ✓').toString('base64'),
  limits: { cpus: { value: 1 } },
};

// One row per Call type: the type must survive both encodings unchanged.
const CALLS: Array<[string, Call]> = [
  ['UNKNOWN', { type: 'UNKNOWN' }],
  ['SUBSCRIBE', { type: 'SUBSCRIBE', subscribe: { framework_info: FRAMEWORK, suppressed_roles: ['slave_public'] } }],
  ['SUBSCRIBE (resubscribe)', { type: 'SUBSCRIBE', framework_id: FID, subscribe: { framework_info: { ...FRAMEWORK, id: FID } } }],
  ['TEARDOWN', { framework_id: FID, type: 'TEARDOWN' }],
  ['ACCEPT', {
    framework_id: FID,
    type: 'ACCEPT',
    accept: { offer_ids: [{ value: 'O12' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [TASK] } }], filters: { refuse_seconds: 5 } },
  }],
  ['DECLINE', { framework_id: FID, type: 'DECLINE', decline: { offer_ids: [{ value: 'O13' }, { value: 'O14' }], filters: { refuse_seconds: 120 } } }],
  ['ACCEPT_INVERSE_OFFERS', { framework_id: FID, type: 'ACCEPT_INVERSE_OFFERS', accept_inverse_offers: { inverse_offer_ids: [{ value: 'I1' }], filters: { refuse_seconds: 1 } } }],
  ['DECLINE_INVERSE_OFFERS', { framework_id: FID, type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [{ value: 'I2' }] } }],
  ['REVIVE', { framework_id: FID, type: 'REVIVE', revive: { roles: ['*'] } }],
  ['KILL', { framework_id: FID, type: 'KILL', kill: { task_id: { value: 't1' }, agent_id: AGENT, kill_policy: { grace_period: { nanoseconds: 3 } } } }],
  ['SHUTDOWN', { framework_id: FID, type: 'SHUTDOWN', shutdown: { executor_id: { value: 'e1' }, agent_id: AGENT } }],
  ['ACKNOWLEDGE', { framework_id: FID, type: 'ACKNOWLEDGE', acknowledge: { agent_id: AGENT, task_id: { value: 't1' }, uuid: UUID_B64 } }],
  ['ACKNOWLEDGE_OPERATION_STATUS', {
    framework_id: FID,
    type: 'ACKNOWLEDGE_OPERATION_STATUS',
    acknowledge_operation_status: { agent_id: AGENT, resource_provider_id: { value: 'rp1' }, uuid: UUID_B64, operation_id: { value: 'op1' } },
  }],
  ['RECONCILE', { framework_id: FID, type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 't1' }, agent_id: AGENT }, { task_id: { value: 't2' } }] } }],
  ['RECONCILE (implicit)', { framework_id: FID, type: 'RECONCILE', reconcile: {} }],
  ['RECONCILE_OPERATIONS', { framework_id: FID, type: 'RECONCILE_OPERATIONS', reconcile_operations: { operations: [{ operation_id: { value: 'op1' }, agent_id: AGENT }] } }],
  ['MESSAGE', { framework_id: FID, type: 'MESSAGE', message: { agent_id: AGENT, executor_id: { value: 'e1' }, data: Buffer.from([0, 1, 2, 255]).toString('base64') } }],
  ['REQUEST', { framework_id: FID, type: 'REQUEST', request: { requests: [{ agent_id: AGENT, resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 64 } }] }] } }],
  ['SUPPRESS', { framework_id: FID, type: 'SUPPRESS', suppress: { roles: ['*', 'web'] } }],
  ['UPDATE_FRAMEWORK', { framework_id: FID, type: 'UPDATE_FRAMEWORK', update_framework: { framework_info: { ...FRAMEWORK, id: FID }, suppressed_roles: ['*'] } }],
];

describe('mesos codec: every Call type round-trips', function () {
  it('covers every value of Call.Type in the proto', function () {
    const values = Object.keys((messageType('mesos.v1.scheduler.Call').lookupEnum('Type')).values);
    const covered = new Set(CALLS.map(([, c]) => c.type));
    assert.deepEqual(values.filter((v) => !covered.has(v as Call['type'])), []);
  });

  for (const encoding of ['json', 'protobuf'] as Encoding[]) {
    for (const [name, call] of CALLS) {
      it(`${name} via ${encoding}`, function () {
        const bytes = encodeCall(call, encoding);
        assert.deepEqual(decodeCall(bytes, encoding), call);
        if (encoding === 'protobuf') {
          // Re-encoding the decoded form gives the same bytes: nothing was lost or reinterpreted.
          assert.deepEqual(encodeCall(decodeCall(bytes, encoding), encoding), bytes);
        } else {
          assert.equal(bytes.toString('utf8'), JSON.stringify(call));
        }
      });
    }
  }

  it('writes enums as strings in JSON and never as numbers', function () {
    const text = encodeCall(CALLS.find(([n]) => n === 'ACCEPT')?.[1] as Call, 'json').toString('utf8');
    assert.match(text, /"type":"ACCEPT"/);
    assert.match(text, /"type":"LAUNCH"/);
    assert.match(text, /"type":"SCALAR"/);
    assert.match(text, /"protocol":"IPv4"/);
    assert.doesNotMatch(text, /"type":\d/);
  });

  it('carries bytes as base64 in JSON and as raw bytes in protobuf', function () {
    const ack = CALLS.find(([n]) => n === 'ACKNOWLEDGE')?.[1] as Call;
    const pb = encodeCall(ack, 'protobuf');
    assert.ok(pb.includes(Buffer.from(UUID_B64, 'base64')), 'the 16 uuid bytes appear verbatim');
    assert.ok(!pb.includes(Buffer.from(UUID_B64)), 'not the base64 text');
    assert.match(encodeCall(ack, 'json').toString(), new RegExp(`"uuid":"${UUID_B64.replace(/[+/=]/g, '\\$&')}"`));
  });

  it('uses the upstream field numbers on the wire (Call.revive = 15, Call.suppress = 16)', function () {
    const revive = encodeCall({ type: 'REVIVE', revive: { roles: ['*'] } }, 'protobuf');
    assert.deepEqual([...revive], [0x10, 5, 0x7a, 3, 0x0a, 1, 0x2a]);
    const suppress = encodeCall({ type: 'SUPPRESS', suppress: {} }, 'protobuf');
    assert.deepEqual([...suppress], [0x10, 12, 0x82, 0x01, 0]);
  });
});

describe('mesos codec: events', function () {
  it('round-trips an UPDATE with container status in both encodings', function () {
    const event: Event = {
      type: 'UPDATE',
      update: {
        status: {
          task_id: { value: 't1' },
          state: 'TASK_RUNNING',
          source: 'SOURCE_EXECUTOR',
          reason: 'REASON_RECONCILIATION',
          agent_id: AGENT,
          timestamp: 1714557602.51,
          uuid: UUID_B64,
          container_status: {
            container_id: { value: 'c1', parent: { value: 'c0' } },
            network_infos: [{ name: 'nw-vnet2', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.200.0.10' }] }],
          },
        },
      },
    };
    for (const enc of ['json', 'protobuf'] as Encoding[]) assert.deepEqual(decodeEvent(encodeEvent(event, enc), enc), event);
  });

  it('drops enum values the proto does not know instead of leaking numbers', function () {
    // MasterInfo.Capability{type=99}, TaskStatus{state=77, source=1}, FrameworkInfo capability 42.
    const cap = encodeMessage('mesos.v1.MasterInfo.Capability', {});
    assert.equal(cap.length, 0);
    const masterInfo = Buffer.concat([
      Buffer.from(encodeMessage('mesos.v1.MasterInfo', { id: 'm', ip: 1, port: 5050, capabilities: [{ type: 'AGENT_UPDATE' }] })),
      Buffer.from([0x4a, 0x02, 0x08, 99]), // capabilities { type: 99 }
    ]);
    const subscribed = Buffer.concat([
      Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x66]), // framework_id { value: "f" }
      Buffer.from([0x1a, masterInfo.length]), masterInfo,
    ]);
    const event = Buffer.concat([Buffer.from([0x08, 1, 0x12, subscribed.length]), subscribed]);
    const decoded = decodeEvent(event, 'protobuf');
    assert.deepEqual(decoded.subscribed?.master_info?.capabilities, [{ type: 'AGENT_UPDATE' }, {}]);

    const status = Buffer.from(encodeMessage('mesos.v1.TaskStatus', { task_id: { value: 't' }, source: 'SOURCE_AGENT' }));
    const withUnknownState = Buffer.concat([status, Buffer.from([0x10, 77])]);
    const decodedStatus = decodeMessage<Record<string, unknown>>('mesos.v1.TaskStatus', withUnknownState);
    assert.deepEqual(decodedStatus, { task_id: { value: 't' }, source: 'SOURCE_AGENT' });
  });

  it('decodes JSON events with an unknown capability as the master prints it ({})', function () {
    const text = '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"},"master_info":{"id":"m","ip":1,"port":5050,"capabilities":[{"type":"AGENT_UPDATE"},{}]}}}';
    const e = decodeEvent(Buffer.from(text), 'json');
    assert.deepEqual(e.subscribed?.master_info?.capabilities, [{ type: 'AGENT_UPDATE' }, {}]);
  });
});
