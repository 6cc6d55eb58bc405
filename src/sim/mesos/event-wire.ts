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

/** How one field is written: its quoted name and what its values are. */
interface FieldPlan {
  name: string;
  quoted: string;
  field: protobuf.Field;
  shape: 'map' | 'repeated' | 'single';
}

const plans = new WeakMap<protobuf.Type, readonly FieldPlan[]>();

/** The fields of `type` in declaration order, resolved once. */
function planOf(type: protobuf.Type): readonly FieldPlan[] {
  let plan = plans.get(type);
  if (plan === undefined) {
    plan = type.fieldsArray.map((field) => {
      field.resolve();
      const shape = field instanceof protobuf.MapField ? 'map' : field.repeated ? 'repeated' : 'single';
      return { name: field.name, quoted: JSON.stringify(field.name), field, shape };
    });
    plans.set(type, plan);
  }
  return plan;
}

function writeValue(field: protobuf.Field, v: unknown): string | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    return v !== null && typeof v === 'object' ? writeMessage(resolved, v as Record<string, unknown>) : undefined;
  }
  if (resolved instanceof protobuf.Enum) return typeof v === 'string' ? JSON.stringify(v) : undefined;
  if (field.type === 'double' || field.type === 'float') return typeof v === 'number' ? formatDouble(v) : undefined;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  return undefined;
}

function writeMessage(type: protobuf.Type, obj: Record<string, unknown>): string {
  let out = '';
  for (const { name, quoted, field, shape } of planOf(type)) {
    const v = obj[name];
    if (v === undefined || v === null) continue;
    let part: string | undefined;
    if (shape === 'map') {
      let entries = '';
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const w = writeValue(field, x);
        if (w !== undefined) entries += `${entries === '' ? '' : ','}${JSON.stringify(k)}:${w}`;
      }
      part = `{${entries}}`;
    } else if (shape === 'repeated') {
      if (!Array.isArray(v)) continue;
      let items = '';
      for (const x of v) {
        const w = writeValue(field, x);
        if (w !== undefined) items += `${items === '' ? '' : ','}${w}`;
      }
      part = `[${items}]`;
    } else {
      part = writeValue(field, v);
      if (part === undefined) continue;
    }
    out += `${out === '' ? '' : ','}${quoted}:${part}`;
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
