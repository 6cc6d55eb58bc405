// Start-up failures of the security layer: bad flags, credentials or TLS material. These are
// plain typed errors, not HTTP answers; the layer's HTTP refusals (401, 403, 413, …) are in the
// API's registry, src/server/api/errors.ts. No message ever carries a secret.

/** Bad --http_credentials / --http_credentials_file content: src/lib's (the driver reads password files too). */
export { CredentialsConfigError } from '../../lib/password-file';

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
