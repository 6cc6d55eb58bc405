// Marathon's security flags on a commander Command (`--http_credentials`, `--http_realm`,
// `--https_port`, `--disable_http`, `--access_control_allow_origin`, …) and their translation
// into a ServeSecurity. Every flag is also accepted in this CLI's dash style (`--http-realm`),
// hidden from help. Reading files and the environment goes through `deps`.
import * as fs from 'node:fs';
import { Option, type Command } from 'commander';
import { parseOriginList } from './cors';
import { CredentialStore, parseCredentialFile, parseCredentialList, type Credential } from './credentials';
import { CredentialsConfigError, SecurityConfigError } from './errors';
import { DEFAULT_JSON_LIMITS } from './json-limits';
import { checkRealm, DEFAULT_BODY_LIMIT, DEFAULT_REALM, DEFAULT_TIMEOUTS, type ServerTimeouts } from './plugin';
import { DEFAULT_MAX_EVENT_SUBSCRIBERS } from './subscriber-guard';
import { loadTlsMaterial, looseSecretPermissions, type FileReader } from './tls';
import type { ServeSecurity } from './config';

export const DEFAULT_HTTPS_PORT = 8443;
/** Marathon reads the credentials from this variable when the flag is absent. */
export const CREDENTIALS_ENV = 'MESOSPHERE_HTTP_CREDENTIALS';

interface FlagDef { flag: string; arg?: string; help: string; fallback?: string }

const AUTH_FLAGS: FlagDef[] = [
  { flag: 'http_credentials', arg: 'user:password,…', help: `users allowed in (HTTP basic auth), comma-separated; also $${CREDENTIALS_ENV}. Prefer --http_credentials_file: arguments are visible to other local users` },
  { flag: 'http_credentials_file', arg: 'file', help: 'file with one user:password per line (# comments); keep it chmod 600' },
  { flag: 'http_realm', arg: 'realm', help: `basic auth realm (serve: ${DEFAULT_REALM}, vnet-api: openvnet)` },
];

/** Marathon's names for options this CLI already spells its own way (--http-port, --listen). */
const MARATHON_ALIASES: FlagDef[] = [
  { flag: 'http_port', arg: 'port', help: 'alias of --http-port' },
  { flag: 'http_address', arg: 'address', help: 'alias of --listen' },
];

const SERVE_FLAGS: FlagDef[] = [
  ...AUTH_FLAGS,
  { flag: 'metrics_public', help: 'answer /metrics without credentials (like /ping)' },
  { flag: 'https_port', arg: 'port', help: `HTTPS port when --ssl_cert/--ssl_key are given (default ${DEFAULT_HTTPS_PORT})` },
  { flag: 'https_address', arg: 'address', help: 'HTTPS listen address (default: the HTTP one)' },
  { flag: 'ssl_cert', arg: 'file', help: 'PEM certificate (chain) for HTTPS' },
  { flag: 'ssl_key', arg: 'file', help: 'PEM private key for HTTPS; keep it chmod 600' },
  { flag: 'ssl_ca', arg: 'file', help: 'PEM CA bundle trusted for other instances (leader forwarding over HTTPS)' },
  { flag: 'disable_http', help: 'serve HTTPS only' },
  { flag: 'leader_proxy_ssl_ignore_hostname', help: 'when forwarding to the leader, check its certificate chain but not its host name' },
  { flag: 'access_control_allow_origin', arg: 'origins', help: 'origins allowed to read cross-origin (GET, HEAD, OPTIONS), comma-separated; * = any, without credentials' },
  { flag: 'http_max_body_bytes', arg: 'n', help: 'request body limit, 413 beyond', fallback: String(DEFAULT_BODY_LIMIT) },
  { flag: 'http_max_json_depth', arg: 'n', help: 'JSON body nesting limit', fallback: String(DEFAULT_JSON_LIMITS.maxDepth) },
  { flag: 'http_max_json_array_length', arg: 'n', help: 'JSON body array length limit', fallback: String(DEFAULT_JSON_LIMITS.maxArrayLength) },
  { flag: 'event_stream_max_subscribers', arg: 'n', help: 'concurrent /v2/events streams, 503 beyond', fallback: String(DEFAULT_MAX_EVENT_SUBSCRIBERS) },
  { flag: 'http_headers_timeout', arg: 'ms', help: 'a request head must arrive within this', fallback: String(DEFAULT_TIMEOUTS.headersTimeoutMs) },
  { flag: 'http_request_timeout', arg: 'ms', help: 'a whole request must arrive within this', fallback: String(DEFAULT_TIMEOUTS.requestTimeoutMs) },
  { flag: 'http_keep_alive_timeout', arg: 'ms', help: 'idle keep-alive connections close after this', fallback: String(DEFAULT_TIMEOUTS.keepAliveTimeoutMs) },
  { flag: 'http_idle_timeout', arg: 'ms', help: 'silent connections close after this', fallback: String(DEFAULT_TIMEOUTS.idleTimeoutMs) },
];

function camel(flag: string): string {
  return flag.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function addFlags(cmd: Command, defs: FlagDef[]): Command {
  for (const d of defs) {
    const arg = d.arg === undefined ? '' : ` <${d.arg}>`;
    // Defaults are applied when reading (so the dash alias can still win), hence only in the text.
    cmd.addOption(new Option(`--${d.flag}${arg}`, d.fallback === undefined ? d.help : `${d.help} (default: ${d.fallback})`));
    cmd.addOption(new Option(`--${d.flag.replace(/_/g, '-')}${arg}`).hideHelp());
  }
  return cmd;
}

/** `--http_credentials`, `--http_credentials_file`, `--http_realm` (vnet-api). */
export function addAuthFlags(cmd: Command): Command {
  return addFlags(cmd, AUTH_FLAGS);
}

/** Every serve flag: authentication, TLS, CORS, limits, timeouts. */
export function addSecurityFlags(cmd: Command): Command {
  addFlags(cmd, SERVE_FLAGS);
  for (const d of MARATHON_ALIASES) cmd.addOption(new Option(`--${d.flag} <${d.arg ?? 'value'}>`, d.help).hideHelp());
  return cmd;
}

/** `--http_port` / `--http_address` as Marathon deployments pass them. */
export function marathonListenAliases(values: Record<string, unknown>): { httpPort?: number; listen?: string } {
  const out: { httpPort?: number; listen?: string } = {};
  if (str(values, 'http_port') !== undefined) out.httpPort = int(values, 'http_port', 8080, 0, 65535);
  const address = str(values, 'http_address');
  if (address !== undefined) out.listen = address;
  return out;
}

export interface FlagDeps {
  env: NodeJS.ProcessEnv;
  fs: FileReader;
}

const defaultDeps = (): FlagDeps => ({ env: process.env, fs });

/** commander values → the value of one flag, whichever spelling was used. */
function value(values: Record<string, unknown>, flag: string): unknown {
  return values[flag] ?? values[camel(flag)];
}

function str(values: Record<string, unknown>, flag: string): string | undefined {
  const v = value(values, flag);
  return typeof v === 'string' ? v : undefined;
}

function bool(values: Record<string, unknown>, flag: string): boolean {
  return value(values, flag) === true;
}

function int(values: Record<string, unknown>, flag: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = str(values, flag);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new SecurityConfigError(`--${flag} ${v}: expected an integer from ${min} to ${max}`);
  return n;
}

export interface AuthConfig {
  credentials?: CredentialStore;
  realm: string;
  warnings: string[];
}

/** Users from --http_credentials (or $MESOSPHERE_HTTP_CREDENTIALS) and --http_credentials_file, merged. */
export interface AuthFlagOptions {
  deps?: FlagDeps;
  /** Users from elsewhere (vnet-api's MVN_VNET_API_USERNAME/PASSWORD). */
  extra?: readonly Credential[];
  defaultRealm?: string;
}

export function authFromFlags(values: Record<string, unknown>, o: AuthFlagOptions = {}): AuthConfig {
  const deps = o.deps ?? defaultDeps();
  const warnings: string[] = [];
  const list: Credential[] = [...(o.extra ?? [])];
  const inline = str(values, 'http_credentials') ?? deps.env[CREDENTIALS_ENV];
  if (inline !== undefined) list.push(...parseCredentialList(inline, str(values, 'http_credentials') !== undefined ? '--http_credentials' : `$${CREDENTIALS_ENV}`));
  const file = str(values, 'http_credentials_file');
  if (file !== undefined) {
    let text: string;
    try {
      text = deps.fs.readFileSync(file).toString('utf8');
    } catch (err) {
      throw new CredentialsConfigError(`--http_credentials_file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    const fromFile = parseCredentialFile(text, `--http_credentials_file ${file}`);
    if (fromFile.length === 0) throw new CredentialsConfigError(`--http_credentials_file ${file}: no user:password line`);
    list.push(...fromFile);
    try {
      if (looseSecretPermissions(deps.fs.statSync(file).mode)) warnings.push(`--http_credentials_file ${file} is readable by group or others; chmod 600 it`);
    } catch { /* it was readable a moment ago */ }
  }
  const realm = checkRealm(str(values, 'http_realm') ?? o.defaultRealm ?? DEFAULT_REALM);
  return { ...(list.length > 0 ? { credentials: new CredentialStore(list) } : {}), realm, warnings };
}

export interface ServeSecurityFlags { security: ServeSecurity; warnings: string[] }

export function serveSecurityFromFlags(values: Record<string, unknown>, deps: FlagDeps = defaultDeps()): ServeSecurityFlags {
  const auth = authFromFlags(values, { deps });
  const warnings = [...auth.warnings];
  const timeouts: ServerTimeouts = {
    headersTimeoutMs: int(values, 'http_headers_timeout', DEFAULT_TIMEOUTS.headersTimeoutMs, 1),
    requestTimeoutMs: int(values, 'http_request_timeout', DEFAULT_TIMEOUTS.requestTimeoutMs, 1),
    keepAliveTimeoutMs: int(values, 'http_keep_alive_timeout', DEFAULT_TIMEOUTS.keepAliveTimeoutMs, 1),
    idleTimeoutMs: int(values, 'http_idle_timeout', DEFAULT_TIMEOUTS.idleTimeoutMs, 0),
  };
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) throw new SecurityConfigError('--http_headers_timeout must not exceed --http_request_timeout');
  const security: ServeSecurity = {
    options: {
      ...(auth.credentials !== undefined ? { credentials: auth.credentials } : {}),
      realm: auth.realm,
      metricsPublic: bool(values, 'metrics_public'),
      cors: parseOriginList(str(values, 'access_control_allow_origin')),
      bodyLimit: int(values, 'http_max_body_bytes', DEFAULT_BODY_LIMIT, 1024),
      jsonLimits: {
        maxDepth: int(values, 'http_max_json_depth', DEFAULT_JSON_LIMITS.maxDepth, 4, 1000),
        maxArrayLength: int(values, 'http_max_json_array_length', DEFAULT_JSON_LIMITS.maxArrayLength, 1),
      },
      maxEventSubscribers: int(values, 'event_stream_max_subscribers', DEFAULT_MAX_EVENT_SUBSCRIBERS, 0),
      timeouts,
    },
    disableHttp: bool(values, 'disable_http'),
    forward: {},
  };
  const cert = str(values, 'ssl_cert');
  const key = str(values, 'ssl_key');
  if ((cert === undefined) !== (key === undefined)) throw new SecurityConfigError('--ssl_cert and --ssl_key go together');
  const caFile = str(values, 'ssl_ca');
  if (cert !== undefined && key !== undefined) {
    const loaded = loadTlsMaterial({ certFile: cert, keyFile: key, ...(caFile !== undefined ? { caFile } : {}) }, deps.fs);
    warnings.push(...loaded.warnings);
    const address = str(values, 'https_address');
    security.https = { tls: loaded.tls, port: int(values, 'https_port', DEFAULT_HTTPS_PORT, 0, 65535), ...(address !== undefined ? { host: address } : {}) };
    security.forward = {
      protocol: 'https',
      ...(loaded.tls.ca !== undefined ? { ca: loaded.tls.ca } : {}),
      ignoreHostname: bool(values, 'leader_proxy_ssl_ignore_hostname'),
    };
  } else if (str(values, 'https_port') !== undefined || caFile !== undefined) {
    throw new SecurityConfigError('--https_port and --ssl_ca need --ssl_cert and --ssl_key');
  }
  if (security.disableHttp === true && security.https === undefined) throw new SecurityConfigError('--disable_http needs --ssl_cert and --ssl_key');
  return { security, warnings };
}
