// RecordIO cases beyond the basic file: records spread over many chunks, many records per chunk,
// multi-byte UTF-8 at chunk edges, and the malformed lengths a broken peer could send.
import assert from 'node:assert/strict';
import { RecordIODecoder, RecordIOError, encodeRecord } from '../../src/mesos/recordio';

function frame(...payloads: string[]): Buffer {
  return Buffer.concat(payloads.map((p) => encodeRecord(Buffer.from(p, 'utf8'))));
}

describe('RecordIO decoder edge cases', function () {
  it('reassembles one large record delivered one byte at a time', function () {
    const payload = JSON.stringify({ type: 'OFFERS', pad: 'x'.repeat(5000) });
    const bytes = frame(payload);
    const d = new RecordIODecoder();
    const got: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) got.push(...d.push(bytes.subarray(i, i + 1)));
    assert.equal(got.length, 1);
    assert.equal(got[0]?.toString('utf8'), payload);
    assert.equal(d.pending, 0);
  });

  it('returns a thousand records from a single chunk in order', function () {
    const payloads = Array.from({ length: 1000 }, (_, i) => `{"type":"HEARTBEAT","n":${i}}`);
    const d = new RecordIODecoder();
    const got = d.push(frame(...payloads)).map((b) => b.toString('utf8'));
    assert.deepEqual(got, payloads);
  });

  it('keeps a partial header and a partial payload across calls', function () {
    const bytes = frame('{"a":"first"}', '{"b":"second record"}');
    const d = new RecordIODecoder();
    const cut1 = 1; // inside the first length
    const cut2 = bytes.indexOf('second'); // inside the second payload
    const a = d.push(bytes.subarray(0, cut1));
    const b = d.push(bytes.subarray(cut1, cut2));
    assert.equal(a.length, 0);
    assert.equal(b.length, 1);
    assert.ok(d.pending > 0);
    const c = d.push(bytes.subarray(cut2));
    assert.deepEqual(c.map(String), ['{"b":"second record"}']);
    assert.equal(d.pending, 0);
  });

  it('counts bytes of multi-byte UTF-8, with chunks cutting inside characters', function () {
    const payload = '{"msg":"日本語 ✓ 𝄞 ü"}';
    assert.notEqual(Buffer.byteLength(payload), payload.length);
    const bytes = frame(payload, payload, payload);
    assert.ok(bytes.toString('latin1').startsWith(`${Buffer.byteLength(payload)}\n`));
    for (const size of [1, 2, 3, 5, 7]) {
      const d = new RecordIODecoder();
      const got: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...d.push(bytes.subarray(i, i + size)));
      assert.deepEqual(got.map((g) => g.toString('utf8')), [payload, payload, payload], `chunk size ${size}`);
    }
  });

  it('accepts empty chunks anywhere', function () {
    const d = new RecordIODecoder();
    const bytes = frame('{"x":1}');
    assert.deepEqual(d.push(Buffer.alloc(0)), []);
    const got = [...d.push(bytes.subarray(0, 2)), ...d.push(Buffer.alloc(0)), ...d.push(bytes.subarray(2))];
    assert.deepEqual(got.map(String), ['{"x":1}']);
  });

  const malformed: Array<[string, string]> = [
    ['a negative length', '-5\n{}'],
    ['a length with spaces', ' 5\n{"a"}'],
    ['a hexadecimal length', '0x10\n{}'],
    ['a zero length (never produced by Mesos)', '0\n'],
    ['an empty length line', '\n{}'],
    ['a length beyond any sane record', '99999999999\n{}'],
    ['a length with a carriage return', '2\r\n{}'],
  ];
  for (const [why, text] of malformed) {
    it(`rejects ${why}`, function () {
      assert.throws(() => new RecordIODecoder().push(Buffer.from(text, 'latin1')), RecordIOError);
    });
  }

  it('reports MVN_ERR_RECORDIO as the code', function () {
    try {
      new RecordIODecoder().push(Buffer.from('zz\n'));
      assert.fail('should throw');
    } catch (err) {
      assert.equal((err as RecordIOError).code, 'MVN_ERR_RECORDIO');
    }
  });

  it('detects a malformed length that follows valid records in the same chunk', function () {
    const d = new RecordIODecoder();
    const bytes = Buffer.concat([frame('{"ok":1}', '{"ok":2}'), Buffer.from('abc\n{}')]);
    assert.throws(() => d.push(bytes), (err: unknown) => {
      assert.ok(err instanceof RecordIOError);
      assert.deepEqual(err.records.map(String), ['{"ok":1}', '{"ok":2}'], 'records before the corruption are kept');
      return true;
    });
  });
});
