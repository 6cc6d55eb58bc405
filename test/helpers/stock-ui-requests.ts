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

/** Unique requests to the three servers (static files of the UI itself left out), first-seen order. */
export function normalizeRecorded(seen: ReadonlyArray<{ method: string; url: string; status: number }>, origins: Record<UiTarget, string>, subs: Substitutions = []): RecordedRequest[] {
  const out: RecordedRequest[] = [];
  const keys = new Set<string>();
  for (const r of seen) {
    const u = new URL(r.url);
    const target = (Object.keys(origins) as UiTarget[]).find((t) => new URL(origins[t]).host === u.host);
    if (target === undefined) continue;
    if (target === 'marathon' && u.pathname.startsWith('/stock/')) continue;
    const query: Array<[string, string]> = [];
    for (const [k, v] of u.searchParams) query.push([k, k === 'jsonp' ? '{jsonp}' : substitute(v, subs)]);
    const rec: RecordedRequest = { target, method: r.method, path: substitute(u.pathname, subs), query, status: r.status };
    const key = JSON.stringify([rec.target, rec.method, rec.path, rec.query]);
    if (keys.has(key)) continue;
    keys.add(key);
    out.push(rec);
  }
  return out;
}

/** The URL of a recorded request in this run: placeholders filled, the path exactly as the UI sent it. */
export function replayUrl(r: RecordedRequest, origins: Record<UiTarget, string>, subs: Substitutions, jsonp = 'cb'): string {
  const fill = (text: string): string => {
    let out = text;
    for (const [value, placeholder] of subs) out = out.split(placeholder).join(value);
    return out;
  };
  const q = new URLSearchParams();
  for (const [k, v] of r.query) q.append(k, k === 'jsonp' ? jsonp : fill(v));
  const query = q.toString();
  return `${origins[r.target].replace(/\/$/, '')}${fill(r.path)}${query === '' ? '' : `?${query}`}`;
}
