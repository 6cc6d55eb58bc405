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
  const parts: string[] = [];
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    field.resolve();
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => { const w = writeValue(field, x); return w === undefined ? undefined : `${JSON.stringify(k)}:${w}`; })
        .filter((x): x is string => x !== undefined);
      parts.push(`${JSON.stringify(field.name)}:{${entries.join(',')}}`);
    } else if (field.repeated) {
      if (!Array.isArray(v)) continue;
      const items = v.map((x) => writeValue(field, x)).filter((x): x is string => x !== undefined);
      parts.push(`${JSON.stringify(field.name)}:[${items.join(',')}]`);
    } else {
      const w = writeValue(field, v);
      if (w !== undefined) parts.push(`${JSON.stringify(field.name)}:${w}`);
    }
  }
  return `{${parts.join(',')}}`;
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
