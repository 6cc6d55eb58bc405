// Access to the Mesos 1.11 recordings (test/fixtures/mesos-1.11) for the mesos-* contract tests.
import fs from 'node:fs';
import path from 'node:path';
import { mesosFixturesDir } from '../helpers/fixtures';

export function fixturesDir(): string {
  return mesosFixturesDir();
}

export interface RecordedLine {
  t_ms?: number;
  dir?: 'request' | 'response' | 'event';
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  body?: unknown;
  status?: number;
  probe?: string;
  event?: Record<string, unknown>;
  note?: string;
}

export function readScenario(name: string): RecordedLine[] {
  const text = fs.readFileSync(path.join(fixturesDir(), `${name}.jsonl`), 'utf8');
  return text.split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as RecordedLine);
}

export function readStream(name: string): Buffer {
  return fs.readFileSync(path.join(fixturesDir(), `${name}.stream.bin`));
}

const INT64_KEYS = new Set(['begin', 'end', 'nanoseconds']);

/**
 * The protobuf recordings print 64-bit integers as strings (proto3 JSON style); the client's
 * in-memory form, like the master's JSON, uses numbers. Converts those fields only.
 */
export function normaliseRecorded(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseRecorded(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normaliseRecorded(v, k);
    return out;
  }
  if (typeof value === 'string' && key !== undefined && INT64_KEYS.has(key) && /^-?[0-9]+$/.test(value)) return Number(value);
  return value;
}
