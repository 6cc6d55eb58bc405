// How a JSON document becomes the bytes of a ZooKeeper node, and the size maths that keep every
// request under the server's limit (jute.maxbuffer, 1 MiB by default, which bounds the whole
// request packet — a multi included). Pure.
//
// Node data is one of:
//   empty              a container (e.g. /state/instances/<app>), not a document
//   JSON text          documents up to the compression threshold
//   gzip (1f 8b …)     larger documents
//   0x00 "MVNBLOB1" {manifest}
//                      documents too large for one node: the (gzipped) payload lives in chunk
//                      nodes /state/blobs/<blob>/<index>, written before the manifest that
//                      points at them, so readers never see a partial document.

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Json, StoreInvalidError } from './store';

export interface NodeLimits {
  /** Payloads above this many bytes are gzipped. Marathon's zk_compression_threshold: 64 KiB. */
  compressionThreshold: number;
  /** The server's node/request limit. Marathon's zk_max_node_size: 1 MiB. */
  maxNodeSize: number;
}

export const DEFAULT_NODE_LIMITS: NodeLimits = { compressionThreshold: 64 * 1024, maxNodeSize: 1024 * 1024 };

const MANIFEST_MAGIC = Buffer.concat([Buffer.from([0]), Buffer.from('MVNBLOB1', 'ascii')]);
const GZIP_MAGIC = [0x1f, 0x8b];

export interface BlobManifest {
  blob: string;
  chunks: number;
  bytes: number;
  sha256: string;
}

export function encodePayload(value: Json, limits: NodeLimits): Buffer {
  const raw = Buffer.from(JSON.stringify(value), 'utf8');
  return raw.length > limits.compressionThreshold ? gzipSync(raw) : raw;
}

export function isGzip(payload: Buffer): boolean {
  return payload.length >= 2 && payload[0] === GZIP_MAGIC[0] && payload[1] === GZIP_MAGIC[1];
}

/** A payload (JSON text or gzip), not a manifest. */
export function decodePayload(payload: Buffer): Json {
  const text = (isGzip(payload) ? gunzipSync(payload) : payload).toString('utf8');
  return JSON.parse(text) as Json;
}

export function encodeManifest(m: BlobManifest): Buffer {
  return Buffer.concat([MANIFEST_MAGIC, Buffer.from(JSON.stringify(m), 'utf8')]);
}

export function parseManifest(data: Buffer): BlobManifest | undefined {
  if (data.length < MANIFEST_MAGIC.length || !data.subarray(0, MANIFEST_MAGIC.length).equals(MANIFEST_MAGIC)) return undefined;
  const m = JSON.parse(data.subarray(MANIFEST_MAGIC.length).toString('utf8')) as BlobManifest;
  if (typeof m.blob !== 'string' || !Number.isInteger(m.chunks) || !Number.isInteger(m.bytes) || typeof m.sha256 !== 'string') {
    throw new StoreInvalidError('malformed blob manifest');
  }
  return m;
}

/** Room left in a node for path and request headers: 16 KiB of 1 MiB. */
function nodeHeadroom(limits: NodeLimits): number {
  return Math.min(16 * 1024, Math.floor(limits.maxNodeSize / 16));
}
/** Room left in a multi for paths, versions, ACLs and op headers beyond the counted bytes: 64 KiB of 1 MiB. */
function multiHeadroom(limits: NodeLimits): number {
  return Math.min(64 * 1024, Math.floor(limits.maxNodeSize / 8));
}

export function chunkSize(limits: NodeLimits): number {
  return Math.max(1024, limits.maxNodeSize - nodeHeadroom(limits));
}

export function multiBudget(limits: NodeLimits): number {
  return Math.max(2048, limits.maxNodeSize - multiHeadroom(limits));
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function splitChunks(payload: Buffer, size: number): Buffer[] {
  if (size < 1) throw new StoreInvalidError('chunk size must be positive');
  const out: Buffer[] = [];
  for (let offset = 0; offset < payload.length; offset += size) out.push(payload.subarray(offset, offset + size));
  if (out.length === 0) out.push(Buffer.alloc(0));
  return out;
}

export function joinChunks(manifest: BlobManifest, chunks: readonly Buffer[]): Buffer {
  if (chunks.length !== manifest.chunks) throw new StoreInvalidError(`blob ${manifest.blob}: ${chunks.length} of ${manifest.chunks} chunks`);
  const payload = Buffer.concat(chunks);
  if (payload.length !== manifest.bytes || sha256(payload) !== manifest.sha256) throw new StoreInvalidError(`blob ${manifest.blob} is corrupt`);
  return payload;
}

/** Chunk node names sort in order: fixed width. */
export function chunkName(index: number): string {
  return String(index).padStart(6, '0');
}

/**
 * Which of the writes of one multi must go to blobs: any payload that cannot fit one node, then
 * the largest ones until the multi (payloads + per-op `overhead`) fits the request budget.
 * Returns the indices to move to blobs.
 */
export function planSpill(items: ReadonlyArray<{ bytes: number; overhead: number }>, limits: NodeLimits): Set<number> {
  const spill = new Set<number>();
  const inlineMax = chunkSize(limits);
  items.forEach((item, i) => {
    if (item.bytes > inlineMax) spill.add(i);
  });
  const manifestBytes = 256;
  const total = () =>
    items.reduce((sum, item, i) => sum + item.overhead + (spill.has(i) ? manifestBytes : item.bytes), 0);
  const bySize = items.map((item, i) => ({ i, bytes: item.bytes })).sort((a, b) => b.bytes - a.bytes);
  for (const { i } of bySize) {
    if (total() <= multiBudget(limits)) break;
    spill.add(i);
  }
  return spill;
}
