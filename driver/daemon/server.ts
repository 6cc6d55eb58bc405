// `vnet-driver daemon`: the per-agent half of the thin plugin. It listens on a root-only unix
// socket and runs each CNI request in-process with runCni — the same validation, locks, step
// logs and deadlines as a plugin process — so a call costs a bare node start plus `net` instead
// of loading the driver. One request per connection: {v:1, env:{CNI_*}, stdin, deadlineAt}
// → {stdout, exitCode}, exactly what the plugin process would print and exit with.
//
// Access: Node does not expose SO_PEERCRED, so the check is the file system's: the run dir is
// created 0700 (an existing one must be a directory owned by this user, not group/other
// accessible) and the socket is made 0600 (umask while binding, chmod after), so only its owner
// (root) can connect. Requests are bounded (size, time to arrive, requests in flight).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCni, type CniOutput } from '../commands/skel';
import { CniError, CNI_CODES } from '../cni/errors';
import type { DriverDeps } from '../deps';
import { killChildren } from '../plumb/exec';
import { trace } from '../trace';

export const DEFAULT_SOCKET = '/run/vnet-driver/driver.sock';
export const MAX_REQUEST_BYTES = 1 << 20;
const READ_TIMEOUT_MS = 5000;
const MAX_IN_FLIGHT = 64;

export interface DaemonRequest { env: Record<string, string>; stdin: string; deadlineAt: number }

/** The request's JSON → a request, or a reason it is not one (pure). */
export function parseRequest(text: string): DaemonRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'request is not JSON';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'request is not an object';
  const r = v as Record<string, unknown>;
  if (r.v !== 1) return 'unsupported request version';
  if (typeof r.stdin !== 'string') return 'stdin must be a string';
  if (typeof r.deadlineAt !== 'number' || !Number.isFinite(r.deadlineAt)) return 'deadlineAt must be a number';
  if (r.env === null || typeof r.env !== 'object' || Array.isArray(r.env)) return 'env must be an object';
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(r.env as Record<string, unknown>)) {
    // Only the CNI variables reach the handlers; programs run with the daemon's own environment.
    if (!/^CNI_[A-Z0-9_]{1,40}$/.test(k) || typeof val !== 'string') return `env: only CNI_* string variables (${JSON.stringify(k.slice(0, 40))})`;
    env[k] = val;
  }
  return { env, stdin: r.stdin, deadlineAt: r.deadlineAt };
}

function errorOutput(err: CniError): CniOutput {
  return { stdout: `${JSON.stringify(err.toJSON('0.2.0'))}\n`, exitCode: 1 };
}

/** Makes the run dir (0700) or checks an existing one is private to this user. */
function prepareDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.() ?? 0;
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.uid !== uid) throw new Error(`${dir} is owned by uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** Removes a socket file nobody listens on; refuses when a daemon answers there or it is not a socket. */
async function clearStale(sock: string): Promise<void> {
  const st = fs.lstatSync(sock, { throwIfNoEntry: false });
  if (st === undefined) return;
  if (!st.isSocket()) throw new Error(`${sock} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.createConnection(sock);
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
  if (alive) throw new Error(`another daemon listens on ${sock}`);
  fs.rmSync(sock, { force: true });
}

export interface Daemon { socket: string; close(): Promise<void> }

export async function startDaemon(deps: DriverDeps, socket: string, log: (s: string) => void = () => undefined): Promise<Daemon> {
  if (socket.length > 100 || !path.isAbsolute(socket)) throw new Error(`socket path must be absolute and at most 100 bytes: ${socket}`);
  prepareDir(path.dirname(socket));
  await clearStale(socket);
  let inFlight = 0;
  let closing = false;
  const running = new Set<Promise<void>>();
  const conns = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
    c.on('error', () => undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    const reply = (out: CniOutput): void => {
      if (answered) return;
      answered = true;
      c.end(JSON.stringify(out));
    };
    c.setTimeout(READ_TIMEOUT_MS, () => {
      if (!answered) c.destroy();
    });
    c.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_REQUEST_BYTES) {
        reply(errorOutput(new CniError(CNI_CODES.INVALID_CONFIG, 'request too large', `over ${MAX_REQUEST_BYTES} bytes`)));
        c.removeAllListeners('data');
        c.resume();
        return;
      }
      chunks.push(d);
    });
    c.on('end', () => {
      if (answered) return;
      c.setTimeout(0);
      const req = parseRequest(Buffer.concat(chunks).toString('utf8'));
      if (typeof req === 'string') {
        reply(errorOutput(new CniError(CNI_CODES.INVALID_ENV, 'bad daemon request', req)));
        return;
      }
      // The plugin has given up on this request (e.g. the daemon was stopped meanwhile): do nothing.
      if (Date.now() > req.deadlineAt) {
        c.destroy();
        return;
      }
      if (closing) {
        reply(errorOutput(new CniError(CNI_CODES.TRY_AGAIN_LATER, 'vnet-driver daemon stopping', 'call again')));
        return;
      }
      if (inFlight >= MAX_IN_FLIGHT) {
        reply(errorOutput(new CniError(CNI_CODES.TRY_AGAIN_LATER, 'vnet-driver daemon busy', `${MAX_IN_FLIGHT} requests in flight`)));
        return;
      }
      inFlight++;
      trace(`daemon: ${req.env.CNI_COMMAND ?? '?'} received`);
      const job = runCni(deps, req.env, () => req.stdin).then((out) => {
        inFlight--;
        running.delete(job);
        log(`${req.env.CNI_COMMAND ?? '?'} ${req.env.CNI_CONTAINERID ?? ''} ${req.env.CNI_IFNAME ?? ''} → ${out.exitCode}`);
        reply(out);
        trace(`daemon: ${req.env.CNI_COMMAND ?? '?'} answered`);
      });
      running.add(job);
    });
  });
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  fs.chmodSync(socket, 0o600);
  return {
    socket,
    close: async () => {
      // Stop taking calls; those running finish (each within its deadline) and are answered.
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(running);
      for (const c of conns) c.destroy();
      await closed;
      fs.rmSync(socket, { force: true });
      killChildren();
    },
  };
}

/** `vnet-driver daemon`: serve until SIGTERM or SIGINT, finish the calls running, remove the socket. */
export async function runDaemon(deps: DriverDeps, socket: string, err: (s: string) => void): Promise<number> {
  // One line per request (the journal's record of what the plugin calls asked).
  const d = await startDaemon(deps, socket, (s) => err(`${s}\n`));
  err(`vnet-driver daemon: listening on ${d.socket} (pid ${process.pid})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await d.close();
  return 0;
}
