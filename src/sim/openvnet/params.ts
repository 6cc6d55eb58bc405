// Route parameter declarations and coercion as sinatra-browse does it for OpenVNet (spec B2):
// each route declares its params, undeclared ones are dropped. The declarations become a JSON
// schema (TypeBox) that Ajv checks the given strings against (src/lib/schema.ts); the checked
// values are then typed (numbers, booleans, addresses) for the model.
import { parseLenientIPv4 } from '../../lib/ipv4';
import { normaliseDpid, parseMac } from '../../lib/openvnet/address';
import { argumentError, invalidUuid, missingArgument, VnetApiError } from '../../lib/openvnet/errors';
import { defineFormats, defineStringKeyword, Type, typeChecker, type TSchema, type TypeChecker } from '../../lib/schema';
import { MODEL_BY_PREFIX, paramUuidPattern, type UuidPrefix } from './uuid';

export type ParamKind = 'string' | 'uuid' | 'int' | 'bool' | 'enum' | 'ipv4' | 'mac' | 'dpid';

export interface ParamDecl {
  readonly kind: ParamKind;
  readonly required?: boolean;
  readonly prefix?: UuidPrefix;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
}

export type ParamSpec = { readonly [name: string]: ParamDecl };

type Out<D extends ParamDecl> = D['kind'] extends 'int' | 'ipv4' | 'mac' ? number : D['kind'] extends 'bool' ? boolean : string;
type RequiredKeys<S extends ParamSpec> = { [N in keyof S]: S[N]['required'] extends true ? N : never }[keyof S];
type OptionalKeys<S extends ParamSpec> = Exclude<keyof S, RequiredKeys<S>>;
export type Parsed<S extends ParamSpec> = { [N in RequiredKeys<S>]: Out<S[N]> } & { [N in OptionalKeys<S>]?: Out<S[N]> };

export const P = {
  string: (d: Partial<ParamDecl> = {}) => ({ ...d, kind: 'string' }) as const,
  uuid: <X extends UuidPrefix>(prefix: X) => ({ kind: 'uuid', prefix }) as const,
  int: (min?: number, max?: number) => ({ kind: 'int', min, max }) as const,
  bool: () => ({ kind: 'bool' }) as const,
  enumOf: <V extends readonly string[]>(values: V) => ({ kind: 'enum', values }) as const,
  ipv4: () => ({ kind: 'ipv4' }) as const,
  mac: () => ({ kind: 'mac' }) as const,
  dpid: () => ({ kind: 'dpid' }) as const,
  required: <D extends ParamDecl>(d: D) => ({ ...d, required: true }) as D & { readonly required: true },
};

export type RawParams = { [name: string]: string };

const TRUE = new Set(['1', 'true', 't', 'yes', 'y']);
const FALSE = new Set(['0', 'false', 'f', 'no', 'n']);
const INTEGER = '^\\s*-?\\d+\\s*$';
const RANGE = 'openvnetRange';

// The syntax of the values OpenVNet parses itself: the schema names it, the parser decides it.
defineFormats({
  'openvnet-bool': (text) => TRUE.has(text.trim().toLowerCase()) || FALSE.has(text.trim().toLowerCase()),
  'openvnet-ipv4': (text) => parseLenientIPv4(text) !== undefined,
  'openvnet-mac': (text) => parseMac(text) !== null,
  'openvnet-dpid': (text) => normaliseDpid(text) !== null,
});
/** `[min, max]` (either null) of an integer param; a text that is no integer is the pattern's to refuse. */
defineStringKeyword(RANGE, (text, argument) => {
  const [min, max] = argument as [number | null, number | null];
  if (!new RegExp(INTEGER).test(text)) return true;
  const n = Number(text.trim());
  return (min === null || n >= min) && (max === null || n <= max);
});

/** One param's value as a JSON Schema string. */
function valueSchema(decl: ParamDecl): { [keyword: string]: unknown } {
  switch (decl.kind) {
    case 'string': return {};
    case 'uuid': return { pattern: paramUuidPattern(decl.prefix as UuidPrefix) };
    case 'int': return { pattern: INTEGER, [RANGE]: [decl.min ?? null, decl.max ?? null] };
    case 'bool': return { format: 'openvnet-bool' };
    case 'enum': return { enum: [...(decl.values ?? [])] };
    case 'ipv4': return { format: 'openvnet-ipv4' };
    case 'mac': return { format: 'openvnet-mac' };
    case 'dpid': return { format: 'openvnet-dpid' };
  }
}

/**
 * A route's params as a TypeBox/JSON schema over the given strings. A required param is always
 * present in the checked object ("" when not given: `minLength` refuses it as missing); an empty
 * optional one is left out, as OpenVNet treats "" as not given.
 */
export function paramsSchema(spec: ParamSpec): TSchema {
  const properties: { [name: string]: TSchema } = {};
  for (const [name, decl] of Object.entries(spec)) {
    const value = Type.String({
      ...(decl.required ? { minLength: 1 } : {}), ...valueSchema(decl), ...(decl.description !== undefined ? { description: decl.description } : {}),
    });
    properties[name] = decl.required ? value : Type.Optional(value);
  }
  return Type.Object(properties);
}

const checkers = new WeakMap<ParamSpec, TypeChecker<TSchema>>();

function validationFailed(parameter: string, value: string, reason: string): VnetApiError {
  return argumentError(JSON.stringify({ error: 'parameter validation failed', parameter, value, reason }));
}

/** OpenVNet's error for a param's failed keyword (`missing` first, as OpenVNet checks presence first). */
function refusal(name: string, decl: ParamDecl, value: string, keywords: readonly string[]): VnetApiError {
  if (keywords.includes('minLength')) return missingArgument(name);
  switch (decl.kind) {
    case 'uuid': { const prefix = decl.prefix as UuidPrefix; return invalidUuid(MODEL_BY_PREFIX[prefix], name, value); }
    case 'int': return validationFailed(name, value, keywords.includes('pattern') ? 'type' : 'range');
    case 'bool': return validationFailed(name, value, 'type');
    case 'enum': return validationFailed(name, value, 'in');
    case 'ipv4': return argumentError(`Could not parse IPv4 address: ${value}`);
    case 'mac': return argumentError(`Could not parse MAC address: ${value}`);
    case 'dpid': return argumentError('dpid must be a 16 byte hexadecimal number');
    case 'string': return argumentError(`Invalid parameter ${name}`);
  }
}

/**
 * Checks the declared params against the route's schema and types them (anything undeclared is
 * dropped); a refusal names the first failing param in declaration order, as OpenVNet does.
 */
export function parseParams<S extends ParamSpec>(spec: S, raw: RawParams): Parsed<S> {
  const given: { [name: string]: string } = {};
  for (const [name, decl] of Object.entries(spec)) {
    const value = Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : undefined;
    if (value !== undefined && value !== '') given[name] = value;
    else if (decl.required) given[name] = '';
  }
  let params = checkers.get(spec);
  if (params === undefined) {
    params = typeChecker(paramsSchema(spec));
    checkers.set(spec, params);
  }
  if (!params.check(given)) {
    const failed = new Map<string, string[]>();
    for (const m of params.mismatches()) {
      const name = m.pointer.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
      failed.set(name, [...(failed.get(name) ?? []), m.keyword]);
    }
    for (const [name, decl] of Object.entries(spec)) {
      const keywords = failed.get(name);
      if (keywords !== undefined) throw refusal(name, decl, given[name] ?? '', keywords);
    }
    throw argumentError('Invalid parameters');
  }
  const out: { [name: string]: string | number | boolean } = {};
  for (const [name, value] of Object.entries(given)) out[name] = typed(spec[name], value);
  return out as Parsed<S>;
}

/** A checked value as the model takes it. */
function typed(decl: ParamDecl, value: string): string | number | boolean {
  switch (decl.kind) {
    case 'int': return Number(value.trim());
    case 'bool': return TRUE.has(value.trim().toLowerCase());
    case 'ipv4': return parseLenientIPv4(value) as number;
    case 'mac': return parseMac(value) as number;
    case 'dpid': return normaliseDpid(value) as string;
    default: return value;
  }
}

/** For `GET /api/browse`: a plain description of a param list. */
export function describeParams(spec: ParamSpec): Array<{ name: string; type: string; required: boolean; values?: readonly string[] }> {
  return Object.entries(spec).map(([name, d]) => ({
    name,
    type: d.kind === 'uuid' ? `uuid(${d.prefix}-…)` : d.kind,
    required: d.required === true,
    ...(d.values ? { values: d.values } : {}),
  }));
}
