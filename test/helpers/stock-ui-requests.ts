// The requests the stock Marathon UI makes, as recorded in a browser session (stock-ui-browser
// test) and replayed by the contract test: which server (marathon = serve's API, master, agent),
// method, path and query, with the run's own values (task id, agent id, sandbox directory, JSONP
// callback name) as placeholders so a replay can fill in its own.
export type UiTarget = 'marathon' | 'master' | 'agent';

export interface RecordedRequest {
  target: UiTarget;
  method: string;
  path: string;
  /** In the order sent; a key may repeat (embed=…&embed=…). */
  query: Array<[string, string]>;
  /** The status the UI got in the recorded session. */
  status: number;
  /** Writes only: the Content-Type the UI sent (absent when it sent none). */
  contentType?: string;
  /** Writes only: the JSON body the UI sent, with the run's values as placeholders (absent: no body). */
  body?: unknown;
  /** Writes only: deployments running when the UI sent it (a replay waits for the same count). */
  deploymentsBefore?: number;
}

/** One request the browser made, with what a write carried. */
export interface SeenRequest {
  method: string;
  url: string;
  status: number;
  contentType?: string;
  postData?: string;
  deploymentsBefore?: number;
}

/** Placeholder values, longest first when substituting. */
export type Substitutions = Array<[value: string, placeholder: string]>;

function substitute(text: string, subs: Substitutions): string {
  let out = text;
  for (const [value, placeholder] of [...subs].sort((a, b) => b[0].length - a[0].length)) {
    if (value !== '') out = out.split(value).join(placeholder);
  }
  return out;
}

const VERSION = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;

/** A JSON value with every string's run values replaced by placeholders. */
function substituteJson(v: unknown, subs: Substitutions): unknown {
  if (typeof v === 'string') return substitute(v, subs);
  if (Array.isArray(v)) return v.map((x) => substituteJson(x, subs));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteJson(x, subs)]));
  return v;
}

/**
 * Requests to the three servers (static files of the UI itself left out), in order: reads unique
 * (first seen), writes every one with its Content-Type, JSON body and the deployments running then.
 * App version timestamps in paths become `{version}` (the app's version at that moment).
 */
export function normalizeRecorded(seen: ReadonlyArray<SeenRequest>, origins: Record<UiTarget, string>, subs: Substitutions = []): RecordedRequest[] {
  const out: RecordedRequest[] = [];
  const keys = new Set<string>();
  for (const r of seen) {
    const u = new URL(r.url);
    const target = (Object.keys(origins) as UiTarget[]).find((t) => new URL(origins[t]).host === u.host);
    if (target === undefined) continue;
    if (target === 'marathon' && u.pathname.startsWith('/stock/')) continue;
    const query: Array<[string, string]> = [];
    for (const [k, v] of u.searchParams) query.push([k, k === 'jsonp' ? '{jsonp}' : substitute(v, subs)]);
    const rec: RecordedRequest = { target, method: r.method, path: substitute(u.pathname, subs).replace(VERSION, '{version}'), query, status: r.status };
    if (r.method === 'GET' || r.method === 'HEAD') {
      const key = JSON.stringify([rec.target, rec.method, rec.path, rec.query]);
      if (keys.has(key)) continue;
      keys.add(key);
    } else {
      if (r.contentType !== undefined) rec.contentType = r.contentType;
      if (r.postData !== undefined && r.postData !== '') rec.body = substituteJson(JSON.parse(r.postData) as unknown, subs);
      if (r.deploymentsBefore !== undefined) rec.deploymentsBefore = r.deploymentsBefore;
    }
    out.push(rec);
  }
  return out;
}

/** Placeholders in `text` replaced by this run's values. */
export function fillPlaceholders(text: string, subs: Substitutions): string {
  let out = text;
  for (const [value, placeholder] of subs) out = out.split(placeholder).join(value);
  return out;
}

/** The URL of a recorded request in this run: placeholders filled, the path exactly as the UI sent it. */
export function replayUrl(r: RecordedRequest, origins: Record<UiTarget, string>, subs: Substitutions, jsonp = 'cb'): string {
  const fill = (text: string): string => fillPlaceholders(text, subs);
  const q = new URLSearchParams();
  for (const [k, v] of r.query) q.append(k, k === 'jsonp' ? jsonp : fill(v));
  const query = q.toString();
  return `${origins[r.target].replace(/\/$/, '')}${fill(r.path)}${query === '' ? '' : `?${query}`}`;
}
