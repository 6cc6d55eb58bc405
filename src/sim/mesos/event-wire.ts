// Serialises Events as a Mesos 1.11 master puts them on the wire. JSON follows the master's
// printer: fields in proto declaration order, doubles always with a fraction ("15.0"), unknown
// keys left out. Protobuf goes through the shared codec.
import protobuf from 'protobufjs';
import { encodeEvent, messageType, type Encoding } from '../../mesos/codec';
import { encodeRecord } from '../../mesos/recordio';
import type { Event } from '../../mesos/types';

function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return '0.0';
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** How one field is written: its quoted name, what its values are, and how each value prints. */
interface FieldPlan {
  name: string;
  quoted: string;
  shape: 'map' | 'repeated' | 'single';
  kind: 'message' | 'enum' | 'double' | 'scalar';
  /** The field's message type (kind 'message'). */
  message: protobuf.Type | undefined;
}

const plans = new WeakMap<protobuf.Type, readonly FieldPlan[]>();

/** The fields of `type` in declaration order, resolved once. */
function planOf(type: protobuf.Type): readonly FieldPlan[] {
  let plan = plans.get(type);
  if (plan === undefined) {
    plan = type.fieldsArray.map((field): FieldPlan => {
      field.resolve();
      const resolved = field.resolvedType;
      const shape = field instanceof protobuf.MapField ? 'map' : field.repeated ? 'repeated' : 'single';
      const kind = resolved instanceof protobuf.Type ? 'message'
        : resolved instanceof protobuf.Enum ? 'enum'
          : field.type === 'double' || field.type === 'float' ? 'double' : 'scalar';
      return { name: field.name, quoted: JSON.stringify(field.name), shape, kind, message: resolved instanceof protobuf.Type ? resolved : undefined };
    });
    plans.set(type, plan);
  }
  return plan;
}

function writeValue(plan: FieldPlan, v: unknown): string | undefined {
  switch (plan.kind) {
    case 'message':
      return v !== null && typeof v === 'object' ? writeMessage(plan.message as protobuf.Type, v as Record<string, unknown>) : undefined;
    case 'enum':
      return typeof v === 'string' ? JSON.stringify(v) : undefined;
    case 'double':
      return typeof v === 'number' ? formatDouble(v) : undefined;
    default:
      return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? JSON.stringify(v) : undefined;
  }
}

function writeMessage(type: protobuf.Type, obj: Record<string, unknown>): string {
  let out = '';
  for (const plan of planOf(type)) {
    const v = obj[plan.name];
    if (v === undefined || v === null) continue;
    let part: string | undefined;
    if (plan.shape === 'map') {
      let entries = '';
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const w = writeValue(plan, x);
        if (w !== undefined) entries += `${entries === '' ? '' : ','}${JSON.stringify(k)}:${w}`;
      }
      part = `{${entries}}`;
    } else if (plan.shape === 'repeated') {
      if (!Array.isArray(v)) continue;
      let items = '';
      for (const x of v) {
        const w = writeValue(plan, x);
        if (w !== undefined) items += `${items === '' ? '' : ','}${w}`;
      }
      part = `[${items}]`;
    } else {
      part = writeValue(plan, v);
      if (part === undefined) continue;
    }
    out += `${out === '' ? '' : ','}${plan.quoted}:${part}`;
  }
  return `{${out}}`;
}

export function eventToJson(event: Event): string {
  return writeMessage(messageType('mesos.v1.scheduler.Event'), event as unknown as Record<string, unknown>);
}

export function encodeEventPayload(event: Event, encoding: Encoding): Buffer {
  return encoding === 'json' ? Buffer.from(eventToJson(event), 'utf8') : encodeEvent(event, 'protobuf');
}

/** One RecordIO record holding `event`. */
export function eventRecord(event: Event, encoding: Encoding): Buffer {
  return encodeRecord(encodeEventPayload(event, encoding));
}
