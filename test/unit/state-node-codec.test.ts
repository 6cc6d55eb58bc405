import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_NODE_LIMITS,
  NodeLimits,
  chunkName,
  chunkSize,
  decodePayload,
  encodeManifest,
  encodePayload,
  isGzip,
  joinChunks,
  multiBudget,
  parseManifest,
  planSpill,
  sha256,
  splitChunks,
} from '../../src/state/node-codec';
import { encodeSegment, decodeSegment } from '../../src/state/key-codec';
import { StoreInvalidError } from '../../src/state/store';

const small: NodeLimits = { compressionThreshold: 100, maxNodeSize: 64 * 1024 };

describe('state: node codec (compression, chunking, spill maths)', () => {
  it('keeps JSON text up to the threshold and gzips above it; both decode', () => {
    const under = { a: 'x'.repeat(50) };
    const over = { a: 'x'.repeat(500) };
    const u = encodePayload(under, small);
    const o = encodePayload(over, small);
    assert.equal(isGzip(u), false);
    assert.equal(u.toString(), JSON.stringify(under));
    assert.equal(isGzip(o), true);
    assert.ok(o.length < 100);
    assert.deepEqual(decodePayload(u), under);
    assert.deepEqual(decodePayload(o), over);
  });

  it('uses Marathon defaults: 64 KiB threshold, 1 MiB nodes', () => {
    assert.deepEqual(DEFAULT_NODE_LIMITS, { compressionThreshold: 65536, maxNodeSize: 1048576 });
    assert.ok(chunkSize(DEFAULT_NODE_LIMITS) < 1048576 && chunkSize(DEFAULT_NODE_LIMITS) > 1000000);
    assert.ok(multiBudget(DEFAULT_NODE_LIMITS) < chunkSize(DEFAULT_NODE_LIMITS));
  });

  const splits: Array<[string, number, number, number]> = [
    ['exact multiple', 3000, 1000, 3],
    ['remainder gets its own chunk', 3001, 1000, 4],
    ['smaller than one chunk', 10, 1000, 1],
    ['empty payload still has one chunk', 0, 1000, 1],
  ];
  for (const [why, bytes, size, count] of splits) {
    it(`splits: ${why}`, () => {
      const payload = randomBytes(bytes);
      const chunks = splitChunks(payload, size);
      assert.equal(chunks.length, count);
      assert.ok(chunks.every((c) => c.length <= size));
      const manifest = { blob: 'b', chunks: count, bytes, sha256: sha256(payload) };
      assert.ok(joinChunks(manifest, chunks).equals(payload));
    });
  }

  it('detects missing or corrupt chunks', () => {
    const payload = randomBytes(2500);
    const chunks = splitChunks(payload, 1000);
    const manifest = { blob: 'b', chunks: 3, bytes: 2500, sha256: sha256(payload) };
    assert.throws(() => joinChunks(manifest, chunks.slice(0, 2)), StoreInvalidError);
    const bad = [chunks[0], Buffer.from(chunks[1]).fill(0), chunks[2]];
    assert.throws(() => joinChunks(manifest, bad), /corrupt/);
  });

  it('tells manifests from JSON and gzip', () => {
    const m = { blob: 'abc', chunks: 2, bytes: 10, sha256: 'ff' };
    assert.deepEqual(parseManifest(encodeManifest(m)), m);
    assert.equal(parseManifest(Buffer.from('{"blob":"abc"}')), undefined);
    assert.equal(parseManifest(encodePayload({ a: 'x'.repeat(500) }, small)), undefined);
    assert.equal(chunkName(7), '000007');
  });

  const spills: Array<[string, number[], number[]]> = [
    ['small writes stay inline', [100, 200, 300], []],
    ['one write above a node spills alone', [100, 70_000, 300], [1]],
    ['inline sum above the multi budget spills the largest first', [30_000, 20_000, 10_000], [0]],
    ['keeps spilling until the rest fits', [40_000, 40_000, 40_000], [0, 1]],
  ];
  for (const [why, sizes, expected] of spills) {
    it(`spill plan: ${why}`, () => {
      const spill = planSpill(sizes.map((bytes) => ({ bytes, overhead: 64 })), small);
      assert.deepEqual([...spill].sort(), expected);
    });
  }
});

describe('state: key codec', () => {
  const rows: Array<[string, string, string]> = [
    ['app path', '/prod/web', '%2Fprod%2Fweb'],
    ['ISO version', '2024-01-01T00:00:00.000Z', '2024-01-01T00%3A00%3A00.000Z'],
    ['IPv4 address keeps dots', '10.0.0.1', '10.0.0.1'],
    ['a lone dot is not a valid node name', '.', '%2E'],
    ['two dots neither', '..', '%2E%2E'],
    ['unicode as UTF-8 bytes', 'ü', '%C3%BC'],
    ['percent itself', '50%', '50%25'],
  ];
  for (const [why, raw, encoded] of rows) {
    it(`round-trips: ${why}`, () => {
      assert.equal(encodeSegment(raw), encoded);
      assert.equal(decodeSegment(encoded), raw);
    });
  }
  it('escapes dots for file names so "x.json" cannot collide with a document file', () => {
    assert.equal(encodeSegment('x.json', false), 'x%2Ejson');
  });
  it('rejects empty ids and malformed escapes', () => {
    assert.throws(() => encodeSegment(''), StoreInvalidError);
    assert.throws(() => decodeSegment('%zz'), StoreInvalidError);
  });
});
