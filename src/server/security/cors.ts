// CORS as Marathon's `--access_control_allow_origin` does it, plus the guard Marathon leaves to
// the browser: cross-origin requests may only read (GET, HEAD, OPTIONS). Pure: request facts in,
// a verdict with the headers to set out. The UI is served same-origin under /ui/, so its writes
// (which carry an Origin header) are never cross-origin.
import { SecurityConfigError } from './errors';

export const CORS_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
const READ_METHODS = new Set<string>(CORS_METHODS);
/** Request headers a cross-origin reader may send; anything else is left out of the preflight answer. */
const ALLOWED_REQUEST_HEADERS = new Set(['accept', 'accept-language', 'authorization', 'cache-control', 'content-type', 'last-event-id', 'x-requested-with']);
const DEFAULT_ALLOWED_HEADERS = 'Accept, Authorization, Content-Type, Last-Event-ID';
export const CORS_MAX_AGE_SECONDS = 3600;

export interface CorsPolicy {
  /** Normalised `scheme://host[:port]` origins; empty with `any` false = CORS off. */
  origins: ReadonlySet<string>;
  /** `*` was listed: any origin may read, never with credentials. */
  any: boolean;
}

export const CORS_OFF: CorsPolicy = { origins: new Set(), any: false };

/** `https://a.example:8443` → `https://a.example:8443`; default ports dropped, case folded. */
export function normaliseOrigin(text: string): string | undefined {
  const t = text.trim();
  if (!/^https?:\/\/[^/?#]+$/i.test(t)) return undefined;
  try {
    const u = new URL(t);
    if (u.username !== '' || u.password !== '') return undefined;
    return u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** `--access_control_allow_origin https://a.example,https://b.example` (or `*`). */
export function parseOriginList(text: string | undefined): CorsPolicy {
  if (text === undefined || text.trim() === '') return CORS_OFF;
  const origins = new Set<string>();
  let any = false;
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (item === '*') { any = true; continue; }
    const o = normaliseOrigin(item);
    if (o === undefined) throw new SecurityConfigError(`--access_control_allow_origin: ${JSON.stringify(item)} is not an origin like https://ui.example:8443`);
    origins.add(o);
  }
  return { origins, any };
}

export function corsEnabled(p: CorsPolicy): boolean {
  return p.any || p.origins.size > 0;
}

export interface CorsRequest {
  method: string;
  origin?: string;
  /** Host header, and X-Forwarded-Host when a proxy in front rewrote Host. */
  host?: string;
  forwardedHost?: string;
  /** `Sec-Fetch-Site` (browsers send it; a backup for Origin-less old browsers). */
  fetchSite?: string;
  requestMethod?: string;
  requestHeaders?: string;
}

export type CorsVerdict =
  /** Not a cross-origin browser request: go on (headers, if any, e.g. Vary). */
  | { kind: 'pass'; headers: Record<string, string> }
  /** A preflight we allow: answer 204 with these headers. */
  | { kind: 'preflight'; headers: Record<string, string> }
  /** Refuse with 403 and this reason. */
  | { kind: 'refuse'; reason: string; headers: Record<string, string> };

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function sameOrigin(r: CorsRequest): boolean {
  if (r.origin === undefined) return true;
  const host = hostOf(r.origin);
  if (host === undefined) return false; // "null" and garbage are foreign
  const candidates = [r.host, ...(r.forwardedHost ?? '').split(',')].map((h) => h?.trim().toLowerCase()).filter((h) => h !== undefined && h !== '');
  return candidates.includes(host);
}

function allowedHeaders(requested: string | undefined): string {
  if (requested === undefined || requested.trim() === '') return DEFAULT_ALLOWED_HEADERS;
  const names = requested.split(',').map((h) => h.trim().toLowerCase()).filter((h) => ALLOWED_REQUEST_HEADERS.has(h));
  return names.length > 0 ? names.join(', ') : DEFAULT_ALLOWED_HEADERS;
}

export function evaluateCors(r: CorsRequest, policy: CorsPolicy): CorsVerdict {
  const enabled = corsEnabled(policy);
  const vary: Record<string, string> = enabled ? { Vary: 'Origin' } : {};
  const method = r.method.toUpperCase();
  const crossSiteFetch = r.fetchSite === 'cross-site' || r.fetchSite === 'same-site';
  if (r.origin === undefined || sameOrigin(r)) {
    // No Origin: curl and API clients; an old browser without Origin still tells Sec-Fetch-Site.
    if (r.origin === undefined && crossSiteFetch && !READ_METHODS.has(method)) {
      return { kind: 'refuse', reason: 'Cross-origin requests may only use GET, HEAD and OPTIONS', headers: vary };
    }
    return { kind: 'pass', headers: vary };
  }
  const normalised = normaliseOrigin(r.origin);
  const listed = normalised !== undefined && policy.origins.has(normalised);
  const allowed = listed || policy.any;
  const allowHeaders: Record<string, string> = !allowed ? {} : listed
    ? { 'Access-Control-Allow-Origin': normalised, 'Access-Control-Allow-Credentials': 'true' }
    // A wildcard policy never pairs with credentials: browsers would refuse it, and it must not work.
    : { 'Access-Control-Allow-Origin': '*' };
  const isPreflight = method === 'OPTIONS' && r.requestMethod !== undefined;
  if (isPreflight) {
    const wanted = r.requestMethod?.trim().toUpperCase() ?? '';
    if (!allowed) return { kind: 'refuse', reason: `Origin ${r.origin} is not allowed`, headers: vary };
    if (!READ_METHODS.has(wanted)) {
      return { kind: 'refuse', reason: `Cross-origin requests may only use GET, HEAD and OPTIONS, not ${wanted}`, headers: vary };
    }
    return {
      kind: 'preflight',
      headers: {
        ...vary,
        ...allowHeaders,
        'Access-Control-Allow-Methods': CORS_METHODS.join(', '),
        'Access-Control-Allow-Headers': allowedHeaders(r.requestHeaders),
        'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
      },
    };
  }
  if (!READ_METHODS.has(method)) {
    return { kind: 'refuse', reason: 'Cross-origin requests may only use GET, HEAD and OPTIONS', headers: vary };
  }
  return { kind: 'pass', headers: { ...vary, ...allowHeaders } };
}
