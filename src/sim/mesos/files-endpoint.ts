// mesos-sim's `/files/browse` and `/files/read` (Mesos' files endpoints, facts from its docs), over
// the exec agents' sandboxes only: a path must resolve (symlinks followed) inside one of the given
// roots, anything else is 404 as for a path Mesos has not attached. Reads are bounded (`length`
// at most 1 MiB, as Mesos' default page), `offset=-1` answers the file's size with no data (how
// the Mesos UI tails stdout/stderr).
import fs from 'node:fs';
import path from 'node:path';
import { HttpAnswer } from './http-answer';

const MAX_READ = 1 << 20;

function json(status: number, value: unknown): HttpAnswer {
  return new HttpAnswer(status, JSON.stringify(value), { 'Content-Type': 'application/json' });
}

function text(status: number, body: string): HttpAnswer {
  return new HttpAnswer(status, body, { 'Content-Type': 'text/plain; charset=utf-8' });
}

/** The real path of `p` when it lies inside one of `roots`, else undefined. */
async function confined(p: string, roots: readonly string[]): Promise<string | undefined> {
  if (!path.isAbsolute(p)) return undefined;
  let real: string;
  try {
    real = await fs.promises.realpath(p);
  } catch {
    return undefined;
  }
  for (const root of roots) {
    let r: string;
    try { r = await fs.promises.realpath(root); } catch { continue; }
    if (real === r || real.startsWith(r + path.sep)) return real;
  }
  return undefined;
}

function modeString(st: fs.Stats): string {
  const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let out = kind;
  for (let i = 0; i < 9; i++) out += (st.mode & (1 << (8 - i))) !== 0 ? bits[i] : '-';
  return out;
}

/** GET /files/browse?path=… and /files/read?path=…&offset=…&length=… */
export async function filesAnswer(endpoint: 'browse' | 'read', query: URLSearchParams, roots: readonly string[]): Promise<HttpAnswer> {
  const wanted = query.get('path');
  if (wanted === null || wanted === '') return text(400, "Expecting 'path=value' in query.\n");
  const real = await confined(wanted, roots);
  if (real === undefined) return new HttpAnswer(404);
  const st = await fs.promises.stat(real);
  if (endpoint === 'browse') {
    if (!st.isDirectory()) return json(200, []);
    const names = (await fs.promises.readdir(real)).sort();
    const entries = [];
    for (const name of names.slice(0, 10_000)) {
      const full = path.join(wanted, name);
      try {
        const s = await fs.promises.lstat(path.join(real, name));
        entries.push({ path: full, nlink: s.nlink, size: s.size, mtime: Math.floor(s.mtimeMs / 1000), mode: modeString(s), uid: String(s.uid), gid: String(s.gid) });
      } catch { /* removed meanwhile */ }
    }
    return json(200, entries);
  }
  if (st.isDirectory()) return text(400, 'Cannot read a directory.\n');
  const offsetText = query.get('offset');
  const lengthText = query.get('length');
  const offset = offsetText === null ? 0 : Number(offsetText);
  const length = lengthText === null ? MAX_READ : Number(lengthText);
  if (!Number.isInteger(offset) || offset < -1) return text(400, `Failed to parse offset: ${offsetText ?? ''}\n`);
  if (!Number.isInteger(length) || length < -1) return text(400, `Failed to parse length: ${lengthText ?? ''}\n`);
  if (offset === -1) return json(200, { data: '', offset: st.size });
  const n = Math.max(0, Math.min(length === -1 ? MAX_READ : length, MAX_READ, st.size - offset));
  const buf = Buffer.alloc(n);
  const fh = await fs.promises.open(real, 'r');
  try {
    const { bytesRead } = await fh.read(buf, 0, n, offset);
    return json(200, { data: buf.subarray(0, bytesRead).toString('utf8'), offset });
  } finally {
    await fh.close();
  }
}
