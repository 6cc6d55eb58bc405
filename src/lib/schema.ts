// The one schema library of src/: TypeBox describes a boundary's documents (JSON Schema and the
// TypeScript type from one declaration) and Ajv, Fastify's own validator, checks them. A checker is
// compiled on first use, once per schema. Pure (no I/O, no time): the core reads untrusted app JSON
// through `typeChecker`, so `Type` is re-exported here for schemas declared inside src/core.
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

export { Type, type Static, type TSchema };

let ajv: Ajv | undefined;

export interface Checker<T extends TSchema> {
  /** Whether `value` matches; narrows it to the schema's type. */
  check(value: unknown): value is Static<T>;
  /** The first mismatch of the last failed check, as `path: message` (`/` is the document). */
  lastError(): string;
}

export function checker<T extends TSchema>(schema: T): Checker<T> {
  let validate: ValidateFunction | undefined;
  let errors: ErrorObject[] | null | undefined;
  return {
    check(value: unknown): value is Static<T> {
      ajv ??= new Ajv({ allErrors: false, strict: true });
      validate ??= ajv.compile(schema);
      const ok = validate(value);
      errors = validate.errors;
      return ok;
    },
    lastError(): string {
      const e = errors?.[0];
      return e === undefined ? '' : `${e.instancePath === '' ? '/' : e.instancePath}: ${e.message ?? 'invalid'}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Every type mismatch at once (for API bodies, whose answers list all of them)

/**
 * Annotation (`{ ..., [WHOLE_MISMATCH]: true }`) on a schema whose value is right or wrong as a
 * whole: any mismatch inside it (a member's type, a missing member, a pattern) is reported as one
 * mismatch where the annotated value is, expecting the schema's first type. E.g. an env value that
 * is a string or `{ secret: string }`: `{ secret: 5 }` is "a string expected" at the value.
 */
export const WHOLE_MISMATCH = 'wholeMismatch';

export interface Mismatch {
  /** Where, as a JSON pointer into the checked value (`''` is the value itself); see `pointerSteps`. */
  pointer: string;
  /** The JSON type wanted there (`string`, `number`, `integer`, `boolean`, `object`, `array`, `null`). */
  expected?: string;
  /** The schema keyword that failed (`type`, `pattern`, `format`, `enum`, `minLength`, a defined one…). */
  keyword: string;
  /** Ajv's message. */
  message: string;
}

export interface TypeChecker<T extends TSchema> {
  /** Whether `value` matches; narrows it to the schema's type. */
  check(value: unknown): value is Static<T>;
  /** Every mismatch of the last failed check, in the schema's order. */
  mismatches(): Mismatch[];
  /** Compiles the schema now (else the first check does: ~100 ms for the app definition). */
  compile(): void;
}

let collecting: Ajv | undefined;
const formats = new Map<string, (text: string) => boolean>();
const stringKeywords = new Map<string, (text: string, argument: unknown) => boolean>();

function collectingAjv(): Ajv {
  if (collecting === undefined) {
    collecting = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    collecting.addKeyword({ keyword: WHOLE_MISMATCH, schemaType: 'boolean' });
    for (const [name, test] of formats) collecting.addFormat(name, test);
    for (const [keyword, test] of stringKeywords) addStringKeyword(collecting, keyword, test);
  }
  return collecting;
}

function addStringKeyword(to: Ajv, keyword: string, test: (text: string, argument: unknown) => boolean): void {
  to.addKeyword({ keyword, type: 'string', errors: false, validate: (argument: unknown, text: string) => test(text, argument) });
}

/**
 * Named string checks (`{ type: 'string', format: name }`) for typeChecker schemas, for syntax a
 * parser already decides (an address, a MAC): the schema names it, the parser is the one truth.
 */
export function defineFormats(defs: { [name: string]: (text: string) => boolean }): void {
  for (const [name, test] of Object.entries(defs)) {
    if (formats.get(name) === test) continue;
    if (formats.has(name)) throw new Error(`format ${name} is already defined`);
    formats.set(name, test);
    collecting?.addFormat(name, test);
  }
}

/** A keyword with an argument for strings (`{ type: 'string', [keyword]: argument }`) in typeChecker schemas. */
export function defineStringKeyword(keyword: string, test: (text: string, argument: unknown) => boolean): void {
  if (stringKeywords.get(keyword) === test) return;
  if (stringKeywords.has(keyword)) throw new Error(`keyword ${keyword} is already defined`);
  stringKeywords.set(keyword, test);
  if (collecting !== undefined) addStringKeyword(collecting, keyword, test);
}

/**
 * `t` or JSON null, for schemas of one JSON type: `null` is added to its `type` (a type list, not a
 * union: one check, and one clear mismatch when neither).
 */
export function OrNull<T extends TSchema>(t: T): TUnsafe<Static<T> | null> {
  const type: unknown = (t as { type?: unknown }).type;
  if (typeof type !== 'string') throw new Error('OrNull: a schema of one JSON type');
  return Type.Unsafe<Static<T> | null>({ ...t, type: [type, 'null'] });
}

/**
 * A checker that reports every mismatch (Ajv `allErrors`), for schemas that declare JSON types:
 * single types and type lists (`type: ['string', 'object']`), no unions (`anyOf`), whose
 * mismatches would not say which member was meant. One Ajv error per mismatch, so the cost is
 * linear in the value: callers bound its size and depth.
 */
export function typeChecker<T extends TSchema>(schema: T): TypeChecker<T> {
  let validate: ValidateFunction | undefined;
  let errors: ErrorObject[] = [];
  const wholes = wholeValues(schema, '#', 0);
  return {
    compile(): void {
      validate ??= collectingAjv().compile(schema);
    },
    check(value: unknown): value is Static<T> {
      validate ??= collectingAjv().compile(schema);
      const ok = validate(value);
      errors = ok ? [] : validate.errors ?? [];
      return ok;
    },
    mismatches(): Mismatch[] {
      return toMismatches(wholes, errors);
    },
  };
}

type SchemaNode = { [keyword: string]: unknown };

/** A WHOLE_MISMATCH schema: where it is in the schema, how deep in the value, the type it wants. */
interface WholeValue { schemaPath: string; inside: string; depth: number; expected?: string }

/** The first non-null type a schema names. */
function firstType(type: unknown): string | undefined {
  const types = Array.isArray(type) ? type : [type];
  return types.find((t): t is string => typeof t === 'string' && t !== 'null');
}

/** Every WHOLE_MISMATCH schema below `node` (schemas here are finite trees: no $ref). */
function wholeValues(node: unknown, schemaPath: string, depth: number): WholeValue[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [];
  const schema = node as SchemaNode;
  if (schema[WHOLE_MISMATCH] === true) return [{ schemaPath, inside: `${schemaPath}/`, depth, expected: firstType(schema.type) }];
  const out: WholeValue[] = [];
  const each = (keyword: string, deeper: number): void => {
    const sub = schema[keyword];
    if (typeof sub !== 'object' || sub === null) return;
    if (Array.isArray(sub)) sub.forEach((s, i) => out.push(...wholeValues(s, `${schemaPath}/${keyword}/${i}`, depth + deeper)));
    else if (keyword === 'properties' || keyword === 'patternProperties') {
      for (const [name, s] of Object.entries(sub)) out.push(...wholeValues(s, `${schemaPath}/${keyword}/${escapePointer(name)}`, depth + 1));
    } else out.push(...wholeValues(sub, `${schemaPath}/${keyword}`, depth + deeper));
  };
  each('properties', 1);
  each('patternProperties', 1);
  each('additionalProperties', 1);
  each('items', 1);
  for (const keyword of ['allOf', 'anyOf', 'oneOf', 'if', 'then', 'else', 'not']) each(keyword, 0);
  return out;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Ajv's errors → mismatches: those inside a WHOLE_MISMATCH value become one, `if` markers go. */
function toMismatches(wholes: readonly WholeValue[], errors: readonly ErrorObject[]): Mismatch[] {
  const out: Mismatch[] = [];
  let lastWhole: string | undefined; // a value's errors come together in Ajv's order
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    // (Ajv's `verbose` would carry the failing schema in the error, but slows passing checks down.)
    const whole = wholes.length === 0 ? undefined : wholes.find((w) => e.schemaPath.startsWith(w.inside) || e.schemaPath === w.schemaPath);
    if (whole !== undefined) {
      const pointer = truncate(e.instancePath, whole.depth);
      if (pointer === lastWhole) continue;
      lastWhole = pointer;
      out.push({ pointer, expected: whole.expected, keyword: 'type', message: e.message ?? 'invalid' });
    } else if (e.keyword === 'type') {
      out.push({ pointer: e.instancePath, expected: firstType(String(e.params.type).split(',')), keyword: 'type', message: e.message ?? 'invalid' });
    } else out.push({ pointer: e.instancePath, keyword: e.keyword, message: e.message ?? 'invalid' });
  }
  return out;
}

/** The first `depth` steps of a JSON pointer. */
function truncate(pointer: string, depth: number): string {
  let end = 0;
  for (let i = 0; i < depth && end >= 0; i++) end = pointer.indexOf('/', end + 1);
  return end < 0 ? pointer : pointer.slice(0, end);
}

/**
 * The steps of a JSON pointer into `value`, each with whether it indexes an array (a key that
 * looks like a number may name an object's field), keys unescaped (`~1` → `/`, `~0` → `~`).
 */
export function pointerSteps(value: unknown, pointer: string, step: (key: string, index: boolean) => void): void {
  let node: unknown = value;
  let start = 1;
  while (start <= pointer.length && pointer !== '') {
    const end = pointer.indexOf('/', start);
    const raw = pointer.slice(start, end < 0 ? undefined : end);
    const key = raw.includes('~') ? raw.replace(/~1/g, '/').replace(/~0/g, '~') : raw;
    const index = Array.isArray(node);
    step(key, index);
    node = typeof node === 'object' && node !== null ? (node as { [k: string]: unknown })[key] : undefined;
    if (end < 0) break;
    start = end + 1;
  }
}
