// Every recorded subscription stream, decoded by RecordIODecoder + decodeEvent, must equal the
// `event` lines of its recording — in one piece and split at arbitrary chunk boundaries.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { type Encoding, decodeEvent } from '../../src/mesos/codec';
import { RecordIODecoder } from '../../src/mesos/recordio';
import type { Event } from '../../src/mesos/types';
import { chunked } from './mesos-fake-master';
import { fixturesDir, normaliseRecorded, readScenario, readStream } from './mesos-fixtures';

function decodeAll(chunks: Buffer[], encoding: Encoding): Event[] {
  const d = new RecordIODecoder();
  const out: Event[] = [];
  for (const c of chunks) for (const r of d.push(c)) out.push(decodeEvent(r, encoding));
  assert.equal(d.pending, 0, 'no bytes left over');
  return out;
}

describe('recorded Mesos 1.11 subscription streams decode to the recorded events', function () {
  const scenarios = fs.readdirSync(fixturesDir()).filter((f) => f.endsWith('.stream.bin')).map((f) => f.replace(/\.stream\.bin$/, ''));

  it('finds the JSON and protobuf recordings', function () {
    assert.ok(scenarios.includes('lifecycle-json'));
    assert.ok(scenarios.includes('lifecycle-protobuf'));
    assert.ok(scenarios.includes('resubscribe-protobuf'));
  });

  for (const scenario of scenarios) {
    const encoding: Encoding = scenario.endsWith('-protobuf') ? 'protobuf' : 'json';
    it(`${scenario} (${encoding})`, function () {
      const expected = readScenario(scenario).filter((l) => l.dir === 'event').map((l) => normaliseRecorded(l.event));
      const bytes = readStream(scenario);
      assert.ok(expected.length > 0);
      assert.deepEqual(decodeAll([bytes], encoding), expected);
      assert.deepEqual(decodeAll(chunked(bytes, [3, 1, 17, 4096, 2]), encoding), expected);
      assert.deepEqual(decodeAll(chunked(bytes, [1]), encoding), expected);
    });
  }

  it('keeps UPDATE uuids as the base64 the master printed, in both encodings', function () {
    for (const encoding of ['json', 'protobuf'] as Encoding[]) {
      const events = decodeAll([readStream(`lifecycle-${encoding}`)], encoding);
      const uuids = events.filter((e) => e.type === 'UPDATE' && e.update?.status.uuid).map((e) => e.update?.status.uuid as string);
      assert.ok(uuids.length >= 5);
      for (const u of uuids) {
        assert.match(u, /^[A-Za-z0-9+/]+={0,2}$/);
        assert.equal(Buffer.from(u, 'base64').length, 16);
      }
      const noUuid = events.filter((e) => e.type === 'UPDATE' && e.update?.status.source === 'SOURCE_MASTER');
      assert.ok(noUuid.length > 0 && noUuid.every((e) => e.update?.status.uuid === undefined));
    }
  });
});
