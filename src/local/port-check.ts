// Local mode checks its listening ports before it creates anything, so a start refused because a
// port is taken leaves nothing behind (no data dir files, namespaces or daemons).
import * as net from 'node:net';

export interface Listen { host: string; port: number }

const PROBE_DEADLINE_MS = 5000;

/** Binds and releases `l`; rejects with the listen error (EADDRINUSE carries `port` and `address`). */
export function probeListen(l: Listen): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    const timer = setTimeout(() => { server.close(); reject(new Error(`checking port ${l.port} on ${l.host} took over ${PROBE_DEADLINE_MS} ms`)); }, PROBE_DEADLINE_MS);
    server.once('error', (err) => { clearTimeout(timer); reject(err); });
    server.listen({ host: l.host, port: l.port, exclusive: true }, () => {
      clearTimeout(timer);
      server.close(() => resolve());
    });
  });
}

/** Checks each fixed port (0 = any, skipped) in order; the first taken one rejects. */
export async function assertPortsFree(ls: readonly Listen[]): Promise<void> {
  for (const l of ls) if (l.port !== 0) await probeListen(l);
}
