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

const types = new Map<string, protobuf.Type>();

export function messageType(name: string): protobuf.Type {
  let type = types.get(name);
  if (!type) {
    type = mesosRoot().lookupType(name);
    types.set(name, type);
  }
  return type;
}

interface FieldPlan {
  name: string;
  enumField: boolean;
  repeated: boolean;
  map: boolean;
  type: protobuf.Type | undefined;
}

const plans = new Map<protobuf.Type, FieldPlan[]>();
const planning = new Set<protobuf.Type>();

/**
 * The fields of `type` that can hold an unknown enum value, directly (enum fields) or deeper
 * (message fields). Computed once per type; a type still being planned (recursion, e.g.
 * ContainerID.parent) is kept conservatively.
 */
function planFor(type: protobuf.Type): FieldPlan[] {
  const known = plans.get(type);
  if (known) return known;
  const plan: FieldPlan[] = [];
  plans.set(type, plan);
  planning.add(type);
  for (const field of type.fieldsArray) {
    field.resolve();
    const resolved = field.resolvedType;
    const map = field instanceof protobuf.MapField;
    if (resolved instanceof protobuf.Enum) {
      plan.push({ name: field.name, enumField: true, repeated: field.repeated, map, type: undefined });
    } else if (resolved instanceof protobuf.Type) {
      if (planFor(resolved).length > 0 || planning.has(resolved)) {
        plan.push({ name: field.name, enumField: false, repeated: field.repeated, map, type: resolved });
      }
    }
  }
  planning.delete(type);
  return plan;
}

/**
 * Drops enum values the subset proto does not know, as the master's JSON does (an unknown
 * `MasterInfo.Capability.type` prints as `{}`). protobufjs' toObject leaves them as numbers.
 * Mutates the fresh object toObject returned.
 */
function dropUnknownEnums(type: protobuf.Type, obj: Record<string, unknown>): void {
  for (const f of planFor(type)) {
    const v = obj[f.name];
    if (v === undefined) continue;
    if (f.enumField) {
      if (f.map) {
        const m = v as Record<string, unknown>;
        for (const k of Object.keys(m)) if (typeof m[k] === 'number') delete m[k];
      } else if (Array.isArray(v)) {
        const kept = v.filter((x) => typeof x !== 'number');
        if (kept.length === 0) delete obj[f.name];
        else obj[f.name] = kept;
      } else if (typeof v === 'number') {
        delete obj[f.name];
      }
      continue;
    }
    const sub = f.type as protobuf.Type;
    if (f.map) {
      for (const x of Object.values(v as Record<string, unknown>)) dropUnknownEnums(sub, x as Record<string, unknown>);
    } else if (Array.isArray(v)) {
      for (const x of v) dropUnknownEnums(sub, x as Record<string, unknown>);
    } else {
      dropUnknownEnums(sub, v as Record<string, unknown>);
    }
  }
}

export function decodeMessage<T>(typeName: string, bytes: Uint8Array): T {
  const type = messageType(typeName);
  const msg = type.decode(bytes);
  const obj = type.toObject(msg, TO_OBJECT);
  dropUnknownEnums(type, obj);
  return obj as T;
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
