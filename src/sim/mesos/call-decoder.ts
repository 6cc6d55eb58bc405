// Turns the bytes of a POST /api/v1/scheduler request into a Call the way a Mesos 1.11 master
// does: whole-string Content-Type match, JSON converted field by field against the protos
// (enums must be strings, unknown keys ignored, unknown optional enum values dropped), required
// fields enforced, then the master's per-type validation. Every refusal is an HttpAnswer with
// the master's plain-text message.
import protobuf from 'protobufjs';
import { decodeCall, messageType, CONTENT_TYPE, type Encoding } from '../../mesos/codec';
import type { Call } from '../../mesos/types';
import { HttpAnswer } from './http-answer';

export type DecodedCall = { ok: true; call: Call; encoding: Encoding } | { ok: false; answer: HttpAnswer };

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

export function badRequest(message: string): HttpAnswer {
  return new HttpAnswer(400, message, TEXT);
}

export function textAnswer(status: number, message: string, headers: Record<string, string> = {}): HttpAnswer {
  return new HttpAnswer(status, message, { ...TEXT, ...headers });
}

export function decodeSchedulerBody(contentType: string | undefined, body: Buffer): DecodedCall {
  if (contentType === undefined) return { ok: false, answer: badRequest("Expecting 'Content-Type' to be present") };
  let call: Call;
  let encoding: Encoding;
  if (contentType === CONTENT_TYPE.protobuf) {
    encoding = 'protobuf';
    try {
      call = decodeCall(body, 'protobuf');
    } catch {
      return { ok: false, answer: badRequest('Failed to parse body into Call protobuf') };
    }
    if (missingRequired(messageType('mesos.v1.scheduler.Call'), call as unknown as Record<string, unknown>, '').length > 0) {
      return { ok: false, answer: badRequest('Failed to parse body into Call protobuf') };
    }
  } else if (contentType === CONTENT_TYPE.json) {
    encoding = 'json';
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { ok: false, answer: badRequest(`Failed to parse body into JSON: ${describeJsonError(text, err)}`) };
    }
    try {
      call = jsonToCall(json);
    } catch (err) {
      const message = err instanceof ConversionError ? err.message : String(err);
      return { ok: false, answer: badRequest(`Failed to convert JSON into Call protobuf: ${message}`) };
    }
  } else {
    return {
      ok: false,
      answer: textAnswer(415, `Expecting 'Content-Type' of ${CONTENT_TYPE.json} or ${CONTENT_TYPE.protobuf}`),
    };
  }
  const invalid = validateCall(call);
  if (invalid !== undefined) return { ok: false, answer: badRequest(`Failed to validate scheduler::Call: ${invalid}`) };
  return { ok: true, call, encoding };
}

/** picojson-style message: "syntax error at line 1 near: <rest of the input>". */
function describeJsonError(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const m = /position (\d+)/.exec(message);
  const pos = m ? Number(m[1]) : text.length;
  const line = text.slice(0, pos).split('\n').length;
  return `syntax error at line ${line} near: ${text.slice(pos)}`;
}

export class ConversionError extends Error {
  readonly code = 'MVN_ERR_LOCAL_CALL_CONVERSION';
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : 'object';
}

function notExpecting(v: unknown, field: protobuf.Field): ConversionError {
  return new ConversionError(`Not expecting a JSON ${jsonKind(v)} for field '${field.name}'`);
}

const NUMERIC = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UUID_BASE64 = /^[A-Za-z0-9+/]{22}==$/;

/** How one field's JSON values convert, resolved once per message type in its TypePlan (a storm's ACCEPTs carry thousands of TaskInfos). */
interface FieldPlan {
  field: protobuf.Field;
  kind: 'enum' | 'message' | 'string' | 'bytes' | 'bool' | 'number' | 'other';
  enumValues: Record<string, number> | undefined;
  message: protobuf.Type | undefined;
  repeated: boolean;
  map: boolean;
}

/** Converts one JSON value for a field; `undefined` means "drop it" (unknown optional enum). */
function convertValue(plan: FieldPlan, v: unknown): unknown {
  switch (plan.kind) {
    case 'enum':
      if (typeof v === 'string') return Object.prototype.hasOwnProperty.call(plan.enumValues, v) ? v : undefined;
      throw notExpecting(v, plan.field);
    case 'message':
      if (jsonKind(v) !== 'object') throw notExpecting(v, plan.field);
      return convertMessage(plan.message as protobuf.Type, v as Record<string, unknown>);
    case 'string':
      if (typeof v === 'string') return v;
      throw notExpecting(v, plan.field);
    case 'bytes':
      if (typeof v !== 'string') throw notExpecting(v, plan.field);
      if (v.length % 4 !== 0 || !BASE64.test(v)) {
        throw new ConversionError(`Failed to base64 decode bytes field '${plan.field.name}': Invalid base64 string`);
      }
      return v;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw notExpecting(v, plan.field);
    case 'number':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      if (typeof v === 'string') throw new ConversionError(`Failed to convert '${v}' to number for field '${plan.field.name}'`);
      throw notExpecting(v, plan.field);
    default:
      throw notExpecting(v, plan.field);
  }
}

function convertMessage(type: protobuf.Type, obj: Record<string, unknown>): Record<string, unknown> {
  const { fields } = planOf(type);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const plan = fields.get(key);
    const v = obj[key];
    if (plan === undefined || v === null) continue; // unknown keys are ignored, null clears
    if (plan.map) {
      if (jsonKind(v) !== 'object') throw notExpecting(v, plan.field);
      const entries = v as Record<string, unknown>;
      const m: Record<string, unknown> = {};
      for (const mk of Object.keys(entries)) {
        const converted = convertValue(plan, entries[mk]);
        if (converted !== undefined) m[mk] = converted;
      }
      out[key] = m;
    } else if (plan.repeated) {
      const items = Array.isArray(v) ? v : [v];
      const kept: unknown[] = [];
      for (const item of items) {
        const converted = convertValue(plan, item);
        if (converted !== undefined) kept.push(converted);
      }
      if (kept.length > 0 || Array.isArray(v)) out[key] = kept;
    } else {
      if (Array.isArray(v)) throw notExpecting(v, plan.field);
      const converted = convertValue(plan, v);
      if (converted !== undefined) out[key] = converted;
    }
  }
  return out;
}

/** Fields the upstream protos declare `required` (the subset declares everything optional). */
const REQUIRED: Record<string, readonly string[]> = {
  'mesos.v1.FrameworkID': ['value'],
  'mesos.v1.OfferID': ['value'],
  'mesos.v1.AgentID': ['value'],
  'mesos.v1.TaskID': ['value'],
  'mesos.v1.ExecutorID': ['value'],
  'mesos.v1.OperationID': ['value'],
  'mesos.v1.ResourceProviderID': ['value'],
  'mesos.v1.ContainerID': ['value'],
  'mesos.v1.FrameworkInfo': ['user', 'name'],
  'mesos.v1.Resource': ['name', 'type'],
  'mesos.v1.Value.Scalar': ['value'],
  'mesos.v1.Value.Range': ['begin', 'end'],
  'mesos.v1.Value.Text': ['value'],
  'mesos.v1.TaskInfo': ['name', 'task_id', 'agent_id'],
  'mesos.v1.ExecutorInfo': ['executor_id'],
  'mesos.v1.Label': ['key'],
  'mesos.v1.Parameter': ['key', 'value'],
  'mesos.v1.CommandInfo.URI': ['value'],
  'mesos.v1.Environment.Variable': ['name'],
  'mesos.v1.ContainerInfo': ['type'],
  'mesos.v1.ContainerInfo.DockerInfo': ['image'],
  'mesos.v1.Image': ['type'],
  'mesos.v1.Image.Docker': ['name'],
  'mesos.v1.Volume': ['container_path', 'mode'],
  'mesos.v1.DurationInfo': ['nanoseconds'],
  'mesos.v1.NetworkInfo.PortMapping': ['host_port', 'container_port'],
  'mesos.v1.scheduler.Call.Subscribe': ['framework_info'],
  'mesos.v1.scheduler.Call.Kill': ['task_id'],
  'mesos.v1.scheduler.Call.Shutdown': ['executor_id', 'agent_id'],
  'mesos.v1.scheduler.Call.Acknowledge': ['agent_id', 'task_id', 'uuid'],
  'mesos.v1.scheduler.Call.Reconcile.Task': ['task_id'],
  'mesos.v1.scheduler.Call.Message': ['agent_id', 'executor_id', 'data'],
  'mesos.v1.scheduler.Call.UpdateFramework': ['framework_info'],
};

/**
 * Per message type, resolved once: how each field converts, the fields it requires, and its
 * message-typed fields (the only ones missingRequired descends into).
 */
interface TypePlan {
  fields: ReadonlyMap<string, FieldPlan>;
  required: readonly string[];
  nested: ReadonlyMap<string, FieldPlan>;
}

const plans = new WeakMap<protobuf.Type, TypePlan>();

function planOf(type: protobuf.Type): TypePlan {
  let plan = plans.get(type);
  if (plan === undefined) {
    const fields = new Map<string, FieldPlan>();
    const nested = new Map<string, FieldPlan>();
    for (const field of type.fieldsArray) {
      field.resolve();
      const resolved = field.resolvedType;
      const kind: FieldPlan['kind'] = resolved instanceof protobuf.Enum ? 'enum'
        : resolved instanceof protobuf.Type ? 'message'
          : field.type === 'string' ? 'string'
            : field.type === 'bytes' ? 'bytes'
              : field.type === 'bool' ? 'bool'
                : NUMERIC.has(field.type) ? 'number' : 'other';
      const fieldPlan: FieldPlan = {
        field, kind,
        enumValues: resolved instanceof protobuf.Enum ? resolved.values : undefined,
        message: resolved instanceof protobuf.Type ? resolved : undefined,
        repeated: field.repeated,
        map: field instanceof protobuf.MapField,
      };
      fields.set(field.name, fieldPlan);
      if (kind === 'message') nested.set(field.name, fieldPlan);
    }
    plan = { fields, required: REQUIRED[type.fullName.replace(/^\./, '')] ?? [], nested };
    plans.set(type, plan);
  }
  return plan;
}

/** Paths of missing required fields, protobuf InitializationErrorString style. */
export function missingRequired(type: protobuf.Type, obj: Record<string, unknown>, prefix: string, missing: string[] = []): string[] {
  const { required, nested } = planOf(type);
  for (const name of required) {
    if (obj[name] === undefined) missing.push(prefix + name);
  }
  if (nested.size === 0) return missing;
  for (const key in obj) {
    const sub = nested.get(key);
    if (sub === undefined) continue;
    const v = obj[key];
    const subType = sub.message as protobuf.Type;
    if (sub.map) {
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) missingRequired(subType, mv as Record<string, unknown>, `${prefix}${key}[${mk}].`, missing);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => missingRequired(subType, item as Record<string, unknown>, `${prefix}${key}[${i}].`, missing));
    } else if (v !== null && typeof v === 'object') {
      missingRequired(subType, v as Record<string, unknown>, `${prefix}${key}.`, missing);
    }
  }
  return missing;
}

export function jsonToCall(json: unknown): Call {
  if (jsonKind(json) !== 'object') throw new ConversionError('Expecting a JSON object');
  const type = messageType('mesos.v1.scheduler.Call');
  const call = convertMessage(type, json as Record<string, unknown>);
  const missing = missingRequired(type, call, '');
  if (missing.length > 0) throw new ConversionError(`Missing required fields: ${missing.join(', ')}`);
  return call as unknown as Call;
}

const SUB_MESSAGE: Partial<Record<Call['type'], keyof Call>> = {
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers' as keyof Call,
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers' as keyof Call,
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status' as keyof Call,
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations' as keyof Call,
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

/** The master's `validation::scheduler::call::validate`; returns the error message or undefined. */
export function validateCall(call: Call): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === 'SUBSCRIBE') {
    if (call.subscribe === undefined) return "Expecting 'subscribe' to be present";
    const infoId = call.subscribe.framework_info.id?.value;
    if (infoId !== call.framework_id?.value) return "'framework_id' differs from 'subscribe.framework_info.id'";
    return undefined;
  }
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";
  const sub = SUB_MESSAGE[call.type];
  if (sub !== undefined && (call as unknown as Record<string, unknown>)[sub as string] === undefined) {
    return `Expecting '${String(sub)}' to be present`;
  }
  if (call.type === 'ACKNOWLEDGE' && call.acknowledge !== undefined) {
    const { uuid } = call.acknowledge;
    // 22 base64 digits and "==" always decode to 16 bytes; anything else is measured by decoding it.
    if (!UUID_BASE64.test(uuid) && Buffer.from(uuid, 'base64').length !== 16) return 'Invalid UUID';
  }
  return undefined;
}

/**
 * libprocess `acceptsMediaType`: absent Accept = anything; otherwise the most specific matching
 * media range decides, acceptable when its q > 0.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [type, subtype] = mediaType.toLowerCase().split('/');
  let best = -1;
  let bestQ = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
    const [rt, rs] = range.split('/');
    let specificity: number;
    if (rt === type && rs === subtype) specificity = 2;
    else if (rt === type && rs === '*') specificity = 1;
    else if (rt === '*' && rs === '*') specificity = 0;
    else continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (specificity > best) {
      best = specificity;
      bestQ = q;
    }
  }
  return best >= 0 && bestQ > 0;
}

/** SUBSCRIBE's response encoding: JSON when acceptable, else protobuf, else none (406). */
export function negotiateEncoding(accept: string | undefined): Encoding | undefined {
  if (acceptsMediaType(accept, CONTENT_TYPE.json)) return 'json';
  if (acceptsMediaType(accept, CONTENT_TYPE.protobuf)) return 'protobuf';
  return undefined;
}
