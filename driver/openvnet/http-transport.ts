// The plugin's HTTP transport for the OpenVNet client: node's own http (https loaded only for an
// https URL). A CNI plugin is a fresh process per call, and loading axios cost it more than its
// two or three requests; the client's retries, error mapping and paging stay in one place
// (src/lib/openvnet/client.ts), only the transport differs.
import type * as Http from 'node:http';
import type { HttpTransport } from '../../src/lib/openvnet/client';

export const nodeHttpTransport: HttpTransport = (req) => new Promise((resolve, reject) => {
  const url = new URL(req.url);
  const mod = (url.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof Http;
  const headers: Record<string, string | number> = { ...req.headers };
  if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
  const r = mod.request(url, {
    method: req.method,
    headers,
    ...(req.auth === undefined ? {} : { auth: `${req.auth.username}:${req.auth.password}` }),
  }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      clearTimeout(timer);
      resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
    });
    res.on('error', reject);
  });
  // One deadline for the whole exchange (connect, send, answer), as axios' `timeout`.
  const timer = setTimeout(() => r.destroy(Object.assign(new Error(`timeout of ${req.timeoutMs} ms exceeded`), { code: 'ETIMEDOUT' })), req.timeoutMs);
  r.on('error', (err) => {
    clearTimeout(timer);
    reject(err);
  });
  r.end(req.body);
});
