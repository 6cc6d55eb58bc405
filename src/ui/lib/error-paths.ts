// Maps Marathon 422 `details[].path` (e.g. `/container/networkInterfaces(1)/ipAddress`, spec §4)
// onto the JSON text in the editor: a small JSON scanner records where every key and value
// starts, so each error can be shown next to the line that holds the offending field.
import type { ErrorDetail } from './types';

export type PathSegment = string | number;

/** `/a/b(1)/c` → ['a','b',1,'c']; also accepts `b[1]` and legacy `attribute` names without a slash. */
export function parseErrorPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const part of path.split('/')) {
    if (part === '') continue;
    const m = /^(.*?)((?:[([]\d+[)\]])+)$/.exec(part);
    if (m) {
      if (m[1] !== '') out.push(m[1]);
      for (const idx of m[2].matchAll(/\d+/g)) out.push(Number(idx[0]));
    } else {
      out.push(part);
    }
  }
  return out;
}

export interface Span {
  /** offsets into the text, end exclusive */
  start: number;
  end: number;
  line: number; // 1-based
  column: number; // 1-based
}

export interface JsonNode {
  path: PathSegment[];
  /** the member's key token (with quotes), when the node is an object member */
  key?: Span;
  value: Span;
  kind: 'object' | 'array' | 'scalar';
}

export type ScanResult = { ok: true; nodes: Map<string, JsonNode> } | { ok: false; message: string; line: number; column: number };

export function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

class ScanError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Scans strict JSON text, recording the position of every node by path. */
export function scanJson(text: string): ScanResult {
  const nodes = new Map<string, JsonNode>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const span = (start: number, end: number): Span => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= start) lo = mid;
      else hi = mid - 1;
    }
    return { start, end, line: lo + 1, column: start - lineStarts[lo] + 1 };
  };
  let pos = 0;
  const ws = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const str = (): void => {
    if (text[pos] !== '"') throw new ScanError('expected a string', pos);
    pos++;
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\') pos++;
      else if (text[pos] === '\n') throw new ScanError('unterminated string', pos);
      pos++;
    }
    if (pos >= text.length) throw new ScanError('unterminated string', pos);
    pos++;
  };
  const value = (path: PathSegment[], key?: Span): void => {
    ws();
    const start = pos;
    const c = text[pos];
    let kind: JsonNode['kind'] = 'scalar';
    if (c === '{') {
      kind = 'object';
      pos++;
      ws();
      if (text[pos] === '}') pos++;
      else {
        for (;;) {
          ws();
          const keyStart = pos;
          str();
          const keySpan = span(keyStart, pos);
          const name = JSON.parse(text.slice(keyStart, pos)) as string;
          ws();
          if (text[pos] !== ':') throw new ScanError('expected ":"', pos);
          pos++;
          value([...path, name], keySpan);
          ws();
          if (text[pos] === ',') pos++;
          else if (text[pos] === '}') {
            pos++;
            break;
          } else throw new ScanError('expected "," or "}"', pos);
        }
      }
    } else if (c === '[') {
      kind = 'array';
      pos++;
      ws();
      if (text[pos] === ']') pos++;
      else {
        for (let i = 0; ; i++) {
          value([...path, i]);
          ws();
          if (text[pos] === ',') pos++;
          else if (text[pos] === ']') {
            pos++;
            break;
          } else throw new ScanError('expected "," or "]"', pos);
        }
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 64));
      if (!m) throw new ScanError('unexpected character', pos);
      pos += m[0].length;
    }
    nodes.set(pathKey(path), { path, key, value: span(start, pos), kind });
  };
  try {
    value([]);
    ws();
    if (pos < text.length) throw new ScanError('unexpected text after the JSON value', pos);
    return { ok: true, nodes };
  } catch (e) {
    const offset = e instanceof ScanError ? e.offset : pos;
    const s = span(Math.min(offset, text.length), Math.min(offset, text.length));
    return { ok: false, message: e instanceof Error ? e.message : String(e), line: s.line, column: s.column };
  }
}

export interface EditorError {
  /** the server's path as sent, or `/` for whole-object errors */
  path: string;
  messages: string[];
  line: number;
  column: number;
  start: number;
  end: number;
  /** false when the field itself is absent and the nearest enclosing field is marked instead */
  exact: boolean;
}

/** Alternative spellings the server may report for a field the user wrote elsewhere (DESIGN §3 alias). */
function aliases(path: PathSegment[]): PathSegment[][] {
  const out = [path];
  if (path[0] === 'container' && path[1] === 'networkInterfaces') out.push(path.slice(1));
  else if (path[0] === 'networkInterfaces') out.push(['container', ...path]);
  return out;
}

function locate(nodes: Map<string, JsonNode>, path: PathSegment[]): { node: JsonNode; exact: boolean } | undefined {
  // A numeric-looking segment may be an object key too ("/env/0"); try both spellings.
  const variants = (p: PathSegment[]): PathSegment[][] => {
    const idx = p.findIndex((s) => typeof s === 'number');
    if (idx < 0) return [p];
    const rest = variants(p.slice(idx + 1));
    const head = p.slice(0, idx);
    return rest.flatMap((r) => [[...head, p[idx], ...r], [...head, String(p[idx]), ...r]]);
  };
  for (let len = path.length; len >= 0; len--) {
    for (const alias of aliases(path.slice(0, len))) {
      for (const v of variants(alias)) {
        const node = nodes.get(pathKey(v));
        if (node) return { node, exact: len === path.length };
      }
    }
  }
  return undefined;
}

/** Places each 422 detail in the editor text; details whose text cannot be scanned land on line 1. */
export function mapErrorsToEditor(text: string, details: readonly ErrorDetail[]): EditorError[] {
  const scanned = scanJson(text);
  return details.map((d) => {
    const rawPath = d.path ?? (d.attribute !== undefined ? `/${d.attribute}` : '/');
    const messages = d.errors ?? (d.error !== undefined ? [d.error] : []);
    const path = rawPath === '' ? '/' : rawPath;
    const found = scanned.ok ? locate(scanned.nodes, parseErrorPath(path)) : undefined;
    if (!found) return { path, messages, line: 1, column: 1, start: 0, end: 0, exact: false };
    const s = found.node.key ?? found.node.value;
    const end = found.node.key ? s.end : Math.min(s.end, s.start + 1);
    return { path, messages, line: s.line, column: s.column, start: s.start, end, exact: found.exact };
  });
}

/** Marathon 422/400 body → details list (400 "Invalid JSON" carries a string). */
export function detailsOf(body: unknown): ErrorDetail[] {
  if (body === null || typeof body !== 'object') return [];
  const details = (body as { details?: unknown }).details;
  if (typeof details === 'string') return [{ path: '/', errors: [details] }];
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is ErrorDetail => d !== null && typeof d === 'object');
}
