// The CNI config's shape check: Ajv standalone code generated at build time from config-schema.ts
// by src/bootstrap/gen-cni-validator.js into dist/driver/cni/config-validate.js (nothing of it is
// committed; no Ajv at run time). All errors are collected (Ajv's allErrors).
import type { NetConfInput } from './config-schema';

export interface ShapeError {
  /** JSON pointer of the value (`/openvnet/url`); the object itself for `required`. */
  instancePath: string;
  keyword: string;
  params: { missingProperty?: string } & Record<string, unknown>;
}

export declare const validateNetConfShape: {
  (data: unknown): data is NetConfInput;
  errors?: ShapeError[] | null;
};
