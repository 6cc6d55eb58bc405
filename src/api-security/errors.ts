// Failures of the security layer. The HTTP ones extend the API's ApiError so the API's single
// error handler renders them unchanged (status + Marathon `{"message":…}` body); the config ones
// are plain typed errors raised at start-up. No message ever carries a secret.
import { ApiError } from '../api/errors';

export interface LimitDetail { path: string; errors: string[] }

/** Request body above the configured limit (Content-Length or counted bytes). */
export class PayloadTooLargeError extends ApiError {
  readonly code = 'MVN_ERR_PAYLOAD_TOO_LARGE';
  readonly status = 413;
  constructor(readonly limitBytes: number) { super(`Request body is larger than ${limitBytes} bytes`); }
}

/** A JSON body nested too deeply or with too long an array: refused before validation. */
export class JsonLimitError extends ApiError {
  readonly code = 'MVN_ERR_JSON_LIMIT';
  readonly status = 400;
  constructor(readonly details: LimitDetail[]) { super('Invalid JSON'); }
  override toMarathonBody(): Record<string, unknown> { return { message: this.message, details: this.details }; }
}

export class UnauthorizedError extends ApiError {
  readonly code = 'MVN_ERR_UNAUTHORIZED';
  readonly status = 401;
  constructor() { super('Unauthorized: credentials are required to access this resource'); }
}

/** Cross-origin write, or a preflight for a method or origin the policy does not allow. */
export class CrossOriginRefusedError extends ApiError {
  readonly code = 'MVN_ERR_CROSS_ORIGIN';
  readonly status = 403;
}

export class TooManySubscribersError extends ApiError {
  readonly code = 'MVN_ERR_TOO_MANY_SUBSCRIBERS';
  readonly status = 503;
  constructor(readonly limit: number) { super(`Too many event stream subscribers (limit ${limit}); try again later`); }
}

/** What a client sees for any unexpected failure: a generic message and the id in our log. */
export class InternalServerError extends ApiError {
  readonly code = 'MVN_ERR_INTERNAL';
  readonly status = 500;
  constructor(readonly errorId: string) { super(`Internal server error (id ${errorId})`); }
}

/** Bad --http_credentials / --http_credentials_file content (never quotes the secret). */
export class CredentialsConfigError extends Error {
  readonly code = 'MVN_ERR_CREDENTIALS_CONFIG';
  override readonly name = 'CredentialsConfigError';
}

/** Unreadable or mismatching --ssl_cert / --ssl_key / --ssl_ca. */
export class TlsConfigError extends Error {
  readonly code = 'MVN_ERR_TLS_CONFIG';
  override readonly name = 'TlsConfigError';
}

/** Any other invalid security flag (origins, realm, limits, ports). */
export class SecurityConfigError extends Error {
  readonly code = 'MVN_ERR_SECURITY_CONFIG';
  override readonly name = 'SecurityConfigError';
}

export const SECURITY_ERRORS = {
  PayloadTooLargeError, JsonLimitError, UnauthorizedError, CrossOriginRefusedError, TooManySubscribersError,
  InternalServerError, CredentialsConfigError, TlsConfigError, SecurityConfigError,
} as const;
