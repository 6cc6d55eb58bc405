import assert from 'node:assert/strict';
import { encodeCall } from '../../src/mesos/codec';
import type { Call } from '../../src/mesos/types';
import { acceptsMediaType, decodeSchedulerBody, negotiateEncoding, validateCall } from '../../src/sim/mesos/call-decoder';

const FW = { value: 'm-0000' };

function refusal(contentType: string | undefined, body: string | Buffer): { status: number; body: string } {
  const d = decodeSchedulerBody(contentType, typeof body === 'string' ? Buffer.from(body) : body);
  assert.equal(d.ok, false, 'expected a refusal');
  return d.ok ? { status: 0, body: '' } : { status: d.answer.status, body: d.answer.body };
}

describe('local call decoder', () => {
  const cases: Array<[string, string | undefined, string, number, string]> = [
    ['Content-Type is compared as a whole string', 'application/json; charset=utf-8', '{}', 415, "Expecting 'Content-Type' of application/json or application/x-protobuf"],
    ['a missing Content-Type is a bad request', undefined, '{}', 400, "Expecting 'Content-Type' to be present"],
    ['malformed JSON reports where it broke', 'application/json', '{"type": "REVIVE", ', 400, 'Failed to parse body into JSON: syntax error at line 1 near: '],
    ['enums must be strings', 'application/json', '{"framework_id":{"value":"x"},"type":5,"revive":{}}', 400, "Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'type'"],
    ['a message field must be an object', 'application/json', '{"type":"REVIVE","framework_id":"x"}', 400, "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'framework_id'"],
    ['an unknown type string is dropped, then type is missing', 'application/json', '{"type":"FLY","framework_id":{"value":"x"}}', 400, "Failed to validate scheduler::Call: Expecting 'type' to be present"],
    ['required fields are enforced', 'application/json', '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x"}}}', 400, 'Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user'],
    ['bytes must be base64', 'application/json', '{"type":"ACKNOWLEDGE","framework_id":{"value":"x"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"not base64!"}}', 400, "Failed to convert JSON into Call protobuf: Failed to base64 decode bytes field 'uuid': Invalid base64 string"],
    ['an ACKNOWLEDGE uuid must be 16 bytes', 'application/json', '{"type":"ACKNOWLEDGE","framework_id":{"value":"x"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAAA"}}', 400, 'Failed to validate scheduler::Call: Invalid UUID'],
    ['the root must be an object', 'application/json', '[1]', 400, 'Failed to convert JSON into Call protobuf: Expecting a JSON object'],
    ['SUBSCRIBE ids must agree', 'application/json', '{"type":"SUBSCRIBE","framework_id":{"value":"a"},"subscribe":{"framework_info":{"user":"u","name":"n","id":{"value":"b"}}}}', 400, "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'"],
    ['a sub-message the type needs must be there', 'application/json', '{"type":"KILL","framework_id":{"value":"x"}}', 400, "Failed to validate scheduler::Call: Expecting 'kill' to be present"],
  ];
  for (const [why, ct, body, status, message] of cases) {
    it(why, () => {
      assert.deepEqual(refusal(ct, body), { status, body: message });
    });
  }

  it('ignores unknown keys and keeps known fields, decoding JSON like the master', () => {
    const d = decodeSchedulerBody('application/json', Buffer.from('{"type":"REVIVE","framework_id":{"value":"x","extra":1},"revive":{"roles":"*"},"whatever":true}'));
    assert.ok(d.ok);
    assert.deepEqual(d.call, { type: 'REVIVE', framework_id: { value: 'x' }, revive: { roles: ['*'] } });
    assert.equal(d.encoding, 'json');
  });

  it('decodes protobuf calls and refuses ones missing required fields', () => {
    const call: Call = { type: 'KILL', framework_id: FW, kill: { task_id: { value: 't1' } } };
    const d = decodeSchedulerBody('application/x-protobuf', encodeCall(call, 'protobuf'));
    assert.ok(d.ok);
    assert.deepEqual(d.call, call);
    const partial = encodeCall({ type: 'KILL', framework_id: FW, kill: {} } as unknown as Call, 'protobuf');
    assert.deepEqual(refusal('application/x-protobuf', partial), { status: 400, body: 'Failed to parse body into Call protobuf' });
  });

  it('validates per call type', () => {
    assert.equal(validateCall({ type: 'TEARDOWN', framework_id: FW }), undefined);
    assert.equal(validateCall({ type: 'UNKNOWN', framework_id: FW }), undefined);
    assert.equal(validateCall({ type: 'RECONCILE', framework_id: FW }), "Expecting 'reconcile' to be present");
  });

  it('negotiates SUBSCRIBE encodings like libprocess', () => {
    const table: Array<[string | undefined, string | undefined]> = [
      [undefined, 'json'],
      ['*/*', 'json'],
      ['application/json', 'json'],
      ['application/x-protobuf', 'protobuf'],
      ['application/*;q=0.5', 'json'],
      ['application/json;q=0, */*', 'protobuf'],
      ['text/html', undefined],
      ['application/json;q=0, application/x-protobuf;q=0', undefined],
    ];
    for (const [accept, want] of table) assert.equal(negotiateEncoding(accept), want, String(accept));
    assert.equal(acceptsMediaType('application/json, text/plain', 'text/plain'), true);
  });
});
