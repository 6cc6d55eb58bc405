// The one schema library of src/: TypeBox describes a boundary's documents (JSON Schema and the
// TypeScript type from one declaration) and Ajv, Fastify's own validator, checks them. A checker is
// compiled on first use, once per schema. Pure (no I/O, no time): the core reads untrusted app JSON
// through `typeChecker`, so `Type` is re-exported here for schemas declared inside src/core.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
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
 * Annotation for a union (`Type.Union([...], { [WHOLE_MISMATCH]: true })`): a value matching no
 * member is one mismatch where the union is, expecting the first member's type. Without it a union
 * is told apart by JSON type: a value is checked against the member of its own type (so a wrong
 * field inside an object is reported at that field), and one of no member's type is one mismatch
 * expecting the first member's type.
 */
export const WHOLE_MISMATCH = 'wholeMismatch';

export interface Mismatch {
  /** Where: object keys and (as numbers) array indices, from the checked value down. */
  at: ReadonlyArray<string | number>;
  /** The JSON type wanted there (`string`, `number`, `integer`, `boolean`, `object`, `array`, `null`). */
  expected?: string;
  /** Ajv's message, for a mismatch that is not one of type (schemas for typeChecker declare types). */
  message: string;
}

export interface TypeChecker<T extends TSchema> {
  /** Whether `value` matches; narrows it to the schema's type. */
  check(value: unknown): value is Static<T>;
  /** Every mismatch of the last failed check, in the schema's order (types, then other keywords). */
  mismatches(): Mismatch[];
}

let collecting: Ajv | undefined;

/**
 * A checker that reports every mismatch (Ajv `allErrors`), for schemas that declare JSON types
 * (and unions of them). Cost is linear in the value: callers bound the value's size and depth.
 */
export function typeChecker<T extends TSchema>(schema: T): TypeChecker<T> {
  let validate: ValidateFunction | undefined;
  let last: { value: unknown; errors: ErrorObject[] } | undefined;
  return {
    check(value: unknown): value is Static<T> {
      if (collecting === undefined) {
        collecting = new Ajv({ allErrors: true, verbose: true, strict: true });
        collecting.addKeyword({ keyword: WHOLE_MISMATCH, schemaType: 'boolean' });
      }
      validate ??= collecting.compile(schema);
      const ok = validate(value);
      last = ok ? undefined : { value, errors: validate.errors ?? [] };
      return ok;
    },
    mismatches(): Mismatch[] {
      return last === undefined ? [] : toMismatches(last.value, last.errors);
    },
  };
}

type SchemaNode = { [keyword: string]: unknown };

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The JSON types a schema admits (undefined: any), looking through unions. */
function admits(schema: unknown, value: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  const node = schema as SchemaNode;
  if (Array.isArray(node.anyOf)) return node.anyOf.some((member) => admits(member, value));
  const type = node.type;
  if (type === undefined) return node.const === undefined || jsonType(node.const) === jsonType(value);
  const types = Array.isArray(type) ? type : [type];
  const actual = jsonType(value);
  return types.some((t) => t === actual || (t === 'integer' && Number.isInteger(value)));
}

/** The first non-null type a schema names, looking into the first member of unions. */
function firstType(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const node = schema as SchemaNode;
  if (Array.isArray(node.anyOf)) return firstType(node.anyOf[0]);
  const types = Array.isArray(node.type) ? node.type : [node.type];
  return types.find((t): t is string => typeof t === 'string' && t !== 'null');
}

function under(e: ErrorObject, union: ErrorObject, member?: number): boolean {
  const schemaPrefix = `${union.schemaPath}/${member ?? ''}`;
  const sameValue = e.instancePath === union.instancePath || e.instancePath.startsWith(`${union.instancePath}/`);
  return sameValue && e.schemaPath.startsWith(schemaPrefix) && (member === undefined || e.schemaPath[schemaPrefix.length] === '/' || e.schemaPath.length === schemaPrefix.length);
}

/** Ajv's errors → mismatches: unions resolved as WHOLE_MISMATCH says, `if` markers dropped. */
function toMismatches(value: unknown, errors: readonly ErrorObject[]): Mismatch[] {
  const dead = new Set<ErrorObject>();
  const replaced = new Map<ErrorObject, Mismatch>();
  // Outermost unions first: a union's verdict decides which of its members' errors are kept.
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dead.has(union)) continue;
    const members = Array.isArray(union.schema) ? (union.schema as unknown[]) : [];
    const whole = (union.parentSchema as SchemaNode | undefined)?.[WHOLE_MISMATCH] === true;
    const kept = whole ? -1 : members.findIndex((m) => admits(m, union.data));
    for (const e of errors) if (e !== union && under(e, union) && !(kept >= 0 && under(e, union, kept))) dead.add(e);
    if (kept >= 0) dead.add(union);
    else replaced.set(union, { at: locate(value, union.instancePath), expected: firstType(members[0]), message: 'must be of type' });
  }
  const out: Mismatch[] = [];
  for (const e of errors) {
    if (dead.has(e) || e.keyword === 'if') continue;
    const r = replaced.get(e);
    if (r !== undefined) out.push(r);
    else if (e.keyword === 'type') out.push({ at: locate(value, e.instancePath), expected: firstType({ type: String(e.params.type).split(',') }), message: e.message ?? 'invalid' });
    else out.push({ at: locate(value, e.instancePath), message: e.message ?? 'invalid' });
  }
  return out;
}

/** A JSON pointer into `value` → keys and array indices. */
function locate(value: unknown, pointer: string): Array<string | number> {
  if (pointer === '') return [];
  const at: Array<string | number> = [];
  let node: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      at.push(index);
      node = node[index];
    } else {
      at.push(key);
      node = typeof node === 'object' && node !== null ? (node as { [k: string]: unknown })[key] : undefined;
    }
  }
  return at;
}
