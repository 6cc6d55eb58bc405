// Route parameter declarations and coercion as sinatra-browse does it for OpenVNet (spec B2):
// each route declares its params, undeclared ones are dropped, values are typed here.
import { parseLenientIPv4 } from '../../lib/ipv4';
import { normaliseDpid, parseMac } from '../../lib/openvnet/address';
import { argumentError, invalidUuid, missingArgument, VnetApiError } from '../../lib/openvnet/errors';
import { MODEL_BY_PREFIX, isParamUuid, type UuidPrefix } from './uuid';

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

function validationFailed(parameter: string, value: string, reason: string): VnetApiError {
  return argumentError(JSON.stringify({ error: 'parameter validation failed', parameter, value, reason }));
}

/** Coerces the declared params; anything undeclared is dropped. */
export function parseParams<S extends ParamSpec>(spec: S, raw: RawParams): Parsed<S> {
  const out: { [name: string]: string | number | boolean } = {};
  for (const [name, decl] of Object.entries(spec)) {
    const value = Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : undefined;
    if (value === undefined || value === '') {
      if (decl.required) throw missingArgument(name);
      continue;
    }
    out[name] = coerce(name, decl, value);
  }
  return out as Parsed<S>;
}

function coerce(name: string, decl: ParamDecl, value: string): string | number | boolean {
  switch (decl.kind) {
    case 'string':
      return value;
    case 'uuid': {
      const prefix = decl.prefix as UuidPrefix;
      if (!isParamUuid(prefix, value)) throw invalidUuid(MODEL_BY_PREFIX[prefix], name, value);
      return value;
    }
    case 'int': {
      if (!/^-?\d+$/.test(value.trim())) throw validationFailed(name, value, 'type');
      const n = Number(value.trim());
      if ((decl.min !== undefined && n < decl.min) || (decl.max !== undefined && n > decl.max)) throw validationFailed(name, value, 'range');
      return n;
    }
    case 'bool': {
      const v = value.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw validationFailed(name, value, 'type');
    }
    case 'enum':
      if (!(decl.values ?? []).includes(value)) throw validationFailed(name, value, 'in');
      return value;
    case 'ipv4': {
      const n = parseLenientIPv4(value);
      if (n === undefined) throw argumentError(`Could not parse IPv4 address: ${value}`);
      return n;
    }
    case 'mac': {
      const n = parseMac(value);
      if (n === null) throw argumentError(`Could not parse MAC address: ${value}`);
      return n;
    }
    case 'dpid': {
      const d = normaliseDpid(value);
      if (d === null) throw argumentError('dpid must be a 16 byte hexadecimal number');
      return d;
    }
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
