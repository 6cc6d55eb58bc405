import assert from 'node:assert/strict';
import { RecordIODecoder, RecordIOError, encodeRecord } from '../../src/mesos/recordio';

describe('RecordIO decoder', () => {
  it('splits several records delivered in one chunk', () => {
    const d = new RecordIODecoder();
    const bytes = Buffer.concat([encodeRecord(Buffer.from('{"a":1}')), encodeRecord(Buffer.from('{"type":"HEARTBEAT"}'))]);
    assert.deepEqual(d.push(bytes).map(String), ['{"a":1}', '{"type":"HEARTBEAT"}']);
    assert.equal(d.pending, 0);
  });

  it('joins a record split at every possible byte boundary, counting bytes not characters', () => {
    const payload = Buffer.from('{"msg":"grüße ✓ 𝄞"}', 'utf8');
    const framed = Buffer.concat([encodeRecord(payload), encodeRecord(payload)]);
    for (let cut = 1; cut < framed.length; cut++) {
      const d = new RecordIODecoder();
      const got = [...d.push(framed.subarray(0, cut)), ...d.push(framed.subarray(cut))];
      assert.equal(got.length, 2, `cut at ${cut}`);
      assert.ok(got.every((g) => g.equals(payload)));
    }
  });

  it('rejects a non-numeric length with a RecordIOError', () => {
    const d = new RecordIODecoder();
    assert.throws(() => d.push(Buffer.from('12x\n{}')), RecordIOError);
  });

  it('rejects a header that never ends', () => {
    const d = new RecordIODecoder();
    assert.throws(() => d.push(Buffer.from('1'.repeat(40))), /no newline/);
  });
});
