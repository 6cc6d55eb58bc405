// The one schema library of src/: TypeBox describes a boundary's documents (JSON Schema and the
// TypeScript type from one declaration) and Ajv, Fastify's own validator, checks them. A checker is
// compiled on first use, once per schema.
import type { Static, TSchema } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

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
