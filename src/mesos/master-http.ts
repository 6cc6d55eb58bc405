// HTTP plumbing to /api/v1/scheduler: the master's URLs and redirects, and the SUBSCRIBE stream on
// node:http directly (the calls travel on undici's pools, call-transport.ts). Why not axios: the
// SUBSCRIBE answer is an endless chunked body read incrementally, headers must be exactly what the
// master compares (axios adds its own Accept and may append a charset), and redirects must not be
// followed automatically (the master's Location is protocol-relative and the replay is ours to decide).
import http from 'node:http';
import https from 'node:https';
import { MesosRedirectError } from './errors';

export const SCHEDULER_PATH = '/api/v1/scheduler';

export function schedulerEndpoint(base: string): URL {
  const url = new URL(base);
  url.pathname = SCHEDULER_PATH;
  url.search = '';
  url.hash = '';
  return url;
}

/** Origin (`scheme://host:port`) of a URL. */
export function baseOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Where a 307 points. The master sends a protocol-relative `//host:port/api/v1/scheduler`: take
 * host:port from it and keep our scheme. An absolute URL is accepted as well.
 */
export function resolveRedirect(location: string | string[] | undefined, current: URL): URL {
  const text = Array.isArray(location) ? location[0] : location;
  if (!text) throw new MesosRedirectError('307 from the Mesos master without a Location header');
  let target: URL;
  try {
    target = new URL(text, current);
  } catch (err) {
    throw new MesosRedirectError(`307 with an unusable Location "${text}"`, { cause: err });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new MesosRedirectError(`307 with an unusable Location "${text}"`);
  }
  if (!text.startsWith('//') && !/^https?:/i.test(text)) {
    // A path-only Location names no other master; keep the host we asked.
    target = new URL(target.pathname, current);
  }
  target.protocol = current.protocol;
  if (target.pathname === '/' || target.pathname === '') target.pathname = SCHEDULER_PATH;
  return target;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function transportFor(url: URL): typeof http | typeof https {
  return url.protocol === 'https:' ? https : http;
}

/** Starts the SUBSCRIBE request; the caller reads the response incrementally. */
export function openStream(url: URL, headers: Record<string, string>, body: Buffer, agent: http.Agent | undefined): http.ClientRequest {
  const req = transportFor(url).request(url, { method: 'POST', headers, agent });
  req.end(body);
  return req;
}

/** Reads a (short) error body, bounded so a misbehaving peer cannot make us buffer forever. */
export function readSmallBody(res: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c);
      size += c.length;
    });
    const end = (): void => resolve(Buffer.concat(chunks).toString('utf8').slice(0, limit));
    res.on('end', end);
    res.on('error', end);
    res.on('close', end);
  });
}
