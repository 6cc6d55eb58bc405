// Converts Mesos v1 scheduler Calls and Events between their in-memory form and the two wire
// encodings the master speaks. The in-memory form *is* the JSON encoding (snake_case field names,
// enums as strings, bytes as base64 strings), so JSON is a plain stringify/parse and protobuf goes
// through protobufjs' fromObject/toObject with the subset protos in proto/.
import path from 'node:path';
import fs from 'node:fs';
import protobuf from 'protobufjs';
import type { Call, Event } from './types';

export type Encoding = 'json' | 'protobuf';

export const CONTENT_TYPE: Record<Encoding, string> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
};

let cachedRoot: protobuf.Root | undefined;

function protoDir(): string {
  // Works from src/ (ts-node) and dist/src/ (compiled): walk up until proto/ is found.
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'proto');
    if (fs.existsSync(path.join(candidate, 'mesos', 'v1', 'mesos.proto'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('proto/ directory not found');
}

export function mesosRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  const root = new protobuf.Root();
  const base = protoDir();
  root.resolvePath = (_origin, target) => path.join(base, target);
  root.loadSync('mesos/v1/scheduler/scheduler.proto', { keepCase: true });
  root.resolveAll();
  cachedRoot = root;
  return root;
}

const TO_OBJECT: protobuf.IConversionOptions = { enums: String, longs: Number, bytes: String, defaults: false, arrays: false };

export function messageType(name: string): protobuf.Type {
  return mesosRoot().lookupType(name);
}

/** Drops enum values the subset proto does not know, as the master's JSON does (it prints `{}`). */
function dropUnknownEnums(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUnknownEnums);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'number' && k === 'type') continue; // unknown enum number left by toObject
      out[k] = dropUnknownEnums(v);
    }
    return out;
  }
  return value;
}

export function decodeMessage<T>(typeName: string, bytes: Uint8Array): T {
  const type = messageType(typeName);
  const msg = type.decode(bytes);
  return dropUnknownEnums(type.toObject(msg, TO_OBJECT)) as T;
}

export function encodeMessage(typeName: string, value: unknown): Uint8Array {
  const type = messageType(typeName);
  return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
}

export function encodeCall(call: Call, encoding: Encoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(call), 'utf8');
  return Buffer.from(encodeMessage('mesos.v1.scheduler.Call', call));
}

export function decodeCall(body: Buffer, encoding: Encoding): Call {
  if (encoding === 'json') return JSON.parse(body.toString('utf8')) as Call;
  return decodeMessage<Call>('mesos.v1.scheduler.Call', body);
}

export function encodeEvent(event: Event, encoding: Encoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(event), 'utf8');
  return Buffer.from(encodeMessage('mesos.v1.scheduler.Event', event));
}

export function decodeEvent(record: Buffer, encoding: Encoding): Event {
  if (encoding === 'json') return JSON.parse(record.toString('utf8')) as Event;
  return decodeMessage<Event>('mesos.v1.scheduler.Event', record);
}
