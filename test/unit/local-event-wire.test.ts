import { mesosFixturesDir } from '../helpers/fixtures';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeEvent, encodeEvent } from '../../src/mesos/codec';
import { RecordIODecoder } from '../../src/mesos/recordio';
import type { Event } from '../../src/mesos/types';
import { eventRecord, eventToJson } from '../../src/sim/mesos/event-wire';

function recordingsDir(): string {
  return mesosFixturesDir();
}

function records(name: string): Buffer[] {
  return new RecordIODecoder().push(fs.readFileSync(path.join(recordingsDir(), `${name}.stream.bin`)));
}

/** Mesos prints some doubles with one more digit than JavaScript's shortest form; compare those numerically. */
function withoutTimestamps(text: string): string {
  return text.replace(/"timestamp":[0-9.e+-]+/g, '"timestamp":T');
}

describe('local event wire format', () => {
  for (const name of ['lifecycle-json', 'resubscribe-json', 'cni-two-networks-json']) {
    it(`re-serialises every event of ${name}.stream.bin as the master wrote it`, () => {
      const recs = records(name);
      assert.ok(recs.length >= 3);
      for (const rec of recs) {
        const text = rec.toString('utf8');
        const event = JSON.parse(text) as Event;
        const ours = eventToJson(event);
        assert.equal(withoutTimestamps(ours), withoutTimestamps(text));
        const ts = (s: string): number | undefined => (JSON.parse(s) as Event).update?.status.timestamp;
        const a = ts(ours);
        const b = ts(text);
        if (b !== undefined) assert.ok(a !== undefined && Math.abs(a - b) < 1e-6);
      }
    });
  }

  it('prints doubles with a fraction and keeps declaration order', () => {
    const json = eventToJson({ type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 15, framework_id: { value: 'f' } } });
    assert.equal(json, '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"},"heartbeat_interval_seconds":15.0}}');
  });

  it('leaves out keys the protos do not know', () => {
    const ev = { type: 'HEARTBEAT', bogus: 1 } as unknown as Event;
    assert.equal(eventToJson(ev), '{"type":"HEARTBEAT"}');
  });

  it('frames protobuf events that decode back to the same object', () => {
    for (const rec of records('lifecycle-protobuf')) {
      const event = decodeEvent(rec, 'protobuf');
      const framed = eventRecord(event, 'protobuf');
      const back = new RecordIODecoder().push(framed);
      assert.equal(back.length, 1);
      assert.deepEqual(decodeEvent(back[0] as Buffer, 'protobuf'), event);
      assert.deepEqual(back[0], encodeEvent(event, 'protobuf'));
    }
  });

  it('frames JSON with the byte length, not the character length', () => {
    const framed = eventRecord({ type: 'ERROR', error: { message: 'é' } }, 'json');
    const nl = framed.indexOf(10);
    assert.equal(Number(framed.subarray(0, nl).toString()), framed.length - nl - 1);
  });
});
