'use strict';
// The thin plugin: hand one CNI call to `vnet-driver daemon` over its unix socket and print its
// answer. Loaded only when the socket file exists; uses nothing of the driver. No daemon there
// (ENOENT, ECONNREFUSED) → `fallback()` runs the call in-process. Once the daemon has the
// request it is never run again here: no answer within the command's deadline (plus a second)
// is a CNI error 11 naming the daemon, so a request never runs twice at once.
//
// The connection: node's libuv pipe handle itself (the `pipe_wrap` binding net.Socket wraps),
// where this node has it in the shape we know; else `node:net`. Loading `net` pulls in all of
// node's streams (~20 modules) and a Socket per call costs more again: ~10-15 ms CPU per call,
// a third of what the whole Go reference spends on ADD+DEL (see driver/README.md). Both paths
// are tested (VNET_DRIVER_DAEMON_CLIENT=net forces the second). Under bun (dist/bin/vnet-driver
// when bun is installed) Bun.connect, else (with =net) bun's `node:net`.
// node:fs loads only to print under node (under bun it would be ~6 ms of the call's CPU).
const BUN = typeof process.versions.bun === 'string' ? globalThis.Bun : undefined;

const DEFAULT_DEADLINE_MS = 60000;
const GRACE_MS = 1000;

/** The deadline the driver would give this call (config deadlineMs, or its default). */
function deadlineMs(conf) {
  const d = conf.deadlineMs;
  if (Number.isInteger(d) && d >= 1000 && d <= 600000) return d;
  const dhcp = conf.dhcp !== null && typeof conf.dhcp === 'object' ? conf.dhcp.timeoutMs : undefined;
  return Number.isInteger(dhcp) && dhcp > 0 ? Math.max(DEFAULT_DEADLINE_MS, dhcp + 10000) : DEFAULT_DEADLINE_MS;
}

function print(stdout, code) {
  const bytes = Buffer.from(stdout, 'utf8');
  if (BUN !== undefined) {
    BUN.write(BUN.stdout, bytes).then(() => process.exit(code), () => process.exit(code));
    return;
  }
  const fs = require('node:fs');
  let sent = 0;
  try {
    while (sent < bytes.length) sent += fs.writeSync(1, bytes, sent, bytes.length - sent);
  } catch (err) {
    if (err.code !== 'EAGAIN') process.exit(code);
  }
  if (sent >= bytes.length) process.exit(code);
  process.stdout.write(bytes.subarray(sent), () => process.exit(code));
}

/** A libuv status (negative errno) as its name: ENOENT, ECONNREFUSED, EOF, … */
function errName(status) {
  try {
    return require('node:util').getSystemErrorName(status);
  } catch {
    return `error ${status}`;
  }
}

/**
 * One request over node's own pipe binding, or null when this node does not offer it as
 * expected (then `node:net`). Node 20–24 keep the shape net.js uses: Pipe(SOCKET).connect(req,
 * path) → req.oncomplete(status); writeUtf8String/shutdown with Write/ShutdownWrap; reads via
 * onread(arrayBuffer) with the byte count (or a negative status, EOF at the end) in
 * streamBaseState. process.binding is deprecated for modules, not removed (it warns only under
 * --pending-deprecation, silenced here for this call).
 */
function rawConnector() {
  if (typeof process.versions.bun === 'string') return null; // bun: Bun.connect (bunConnector), or its node:net
  const major = Number(process.versions.node.split('.')[0]);
  if (!(major >= 20 && major <= 24) || typeof process.binding !== 'function') return null;
  let pw;
  let sw;
  // Our one known use: no DEP0111 warning (with --pending-deprecation) on stderr, and none thrown
  // at us later (with --throw-deprecation too); node checks noDeprecation as it emits.
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true;
    pw = process.binding('pipe_wrap');
    sw = process.binding('stream_wrap');
  } catch {
    return null;
  } finally {
    process.noDeprecation = quiet;
  }
  const { Pipe, PipeConnectWrap, constants } = pw;
  const { WriteWrap, ShutdownWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset } = sw;
  if (typeof Pipe !== 'function' || typeof PipeConnectWrap !== 'function' || typeof WriteWrap !== 'function' || typeof ShutdownWrap !== 'function'
    || constants === undefined || typeof constants.SOCKET !== 'number' || streamBaseState === undefined
    || typeof kReadBytesOrError !== 'number' || typeof kArrayBufferOffset !== 'number') return null;
  for (const m of ['connect', 'writeUtf8String', 'shutdown', 'readStart', 'readStop', 'close']) {
    if (typeof Pipe.prototype[m] !== 'function') return null;
  }
  return (sock, body, on) => {
    const h = new Pipe(constants.SOCKET);
    // Requests in flight stay referenced until the process exits.
    const reqs = [];
    const chunks = [];
    h.onread = (ab) => {
      const n = streamBaseState[kReadBytesOrError];
      if (n > 0) {
        chunks.push(Buffer.from(Buffer.from(ab, streamBaseState[kArrayBufferOffset], n)));
        return;
      }
      if (n === 0) return;
      h.readStop();
      const name = errName(n);
      if (name === 'EOF') on.end(Buffer.concat(chunks));
      else on.error(name);
    };
    const connect = new PipeConnectWrap();
    reqs.push(connect);
    connect.oncomplete = (status) => {
      if (status < 0) {
        on.refused(errName(status));
        return;
      }
      on.connected();
      const w = new WriteWrap();
      w.handle = h;
      w.oncomplete = () => undefined;
      w.async = false;
      const s = new ShutdownWrap();
      s.handle = h;
      s.oncomplete = () => undefined;
      reqs.push(w, s);
      let err = h.writeUtf8String(w, body);
      if (err === 0) err = h.shutdown(s);
      if (err === 0) err = h.readStart();
      if (err !== 0) on.error(errName(err));
    };
    const err = h.connect(connect, sock);
    if (err !== undefined && err !== 0) process.nextTick(() => on.refused(errName(err)));
    return () => h.close();
  };
}

/**
 * The same over bun's own socket API (Bun.connect), under bun only. Loading bun's `node:net`
 * costs ~18 ms CPU there, about what a whole bare bun start does; Bun.connect nearly nothing.
 * write() may take part of the body; the rest goes on `drain`, then the write side is shut.
 */
function bunConnector() {
  const B = globalThis.Bun;
  if (typeof process.versions.bun !== 'string' || B === undefined || typeof B.connect !== 'function') return null;
  return (sock, body, on) => {
    const chunks = [];
    let rest = Buffer.from(body, 'utf8');
    let conn = null;
    const push = (s) => {
      while (rest.length > 0) {
        const n = s.write(rest);
        if (!(n > 0)) return; // full: wait for drain
        rest = rest.subarray(n);
      }
      s.shutdown();
    };
    const answered = () => on.end(Buffer.concat(chunks));
    const failed = (err) => (err !== null && typeof err === 'object' && typeof err.code === 'string' ? err.code : String(err));
    B.connect({
      unix: sock,
      socket: {
        open(s) {
          conn = s;
          on.connected();
          push(s);
        },
        drain(s) {
          push(s);
        },
        data(_s, d) {
          chunks.push(Buffer.from(d));
        },
        end: answered,
        close: answered,
        error(_s, err) {
          on.error(failed(err));
        },
        connectError(_s, err) {
          on.refused(failed(err));
        },
      },
    }).catch((err) => on.refused(failed(err)));
    return () => conn?.terminate();
  };
}

/** The same over `node:net`. */
function netConnector() {
  const net = require('node:net');
  return (sock, body, on) => {
    const c = net.createConnection({ path: sock, allowHalfOpen: true });
    let connected = false;
    const chunks = [];
    c.on('connect', () => {
      connected = true;
      on.connected();
      c.end(body);
    });
    c.on('data', (d) => chunks.push(d));
    c.on('end', () => on.end(Buffer.concat(chunks)));
    c.on('error', (err) => (connected ? on.error(err.code ?? err.message) : on.refused(err.code ?? err.message)));
    return () => c.destroy();
  };
}

/** Connect failures that mean no daemon is there when the socket was not stat'ed first. */
const NOT_A_DAEMON = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR', 'EACCES', 'EPERM']);

/**
 * conf: the parsed stdin ({} when it is not JSON); stdin: its text; fallback(): run in-process.
 * opts.unprobed: the caller did not check that `sock` is a socket (bun), so any of NOT_A_DAEMON
 * before connecting also falls back (a request that never reached a daemon cannot run twice).
 */
function viaDaemon(sock, conf, stdin, fallback, opts = {}) {
  const cniVersion = typeof conf.cniVersion === 'string' && /^\d+\.\d+\.\d+$/.test(conf.cniVersion) ? conf.cniVersion : '0.2.0';
  const tryLater = (details) => print(`${JSON.stringify({ cniVersion, code: 11, msg: 'vnet-driver daemon did not answer', details })}\n`, 1);
  const waitMs = deadlineMs(conf) + GRACE_MS;
  const env = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('CNI_')) env[k] = process.env[k];
  const body = JSON.stringify({ v: 1, env, stdin, deadlineAt: Date.now() + waitMs });
  const connector = (process.env.VNET_DRIVER_DAEMON_CLIENT === 'net' ? null : bunConnector() ?? rawConnector()) ?? netConnector();
  let connected = false;
  let over = false;
  let close = () => undefined;
  const done = (fn) => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    close();
    fn();
  };
  const timer = setTimeout(() => done(() => tryLater(`no answer from ${sock} within ${waitMs} ms (deadlineMs + ${GRACE_MS}); not retried in-process while it may still run; DEL or gc removes what it left`)), waitMs);
  close = connector(sock, body, {
    connected: () => {
      connected = true;
    },
    end: (data) => done(() => {
      let out = null;
      try {
        out = JSON.parse(data.toString('utf8'));
      } catch {
        out = null;
      }
      if (out !== null && typeof out === 'object' && typeof out.stdout === 'string' && Number.isInteger(out.exitCode)) print(out.stdout, out.exitCode);
      else tryLater(`${sock} closed the connection without an answer`);
    }),
    // Nobody listens (a stopped or killed daemon): the call has not reached anyone, run it here.
    refused: (code) => done(() => {
      if (!connected && (code === 'ENOENT' || code === 'ECONNREFUSED' || (opts.unprobed === true && NOT_A_DAEMON.has(code)))) fallback();
      else tryLater(`${sock}: ${code}`);
    }),
    error: (code) => done(() => tryLater(`${sock}: ${code}`)),
  });
}

module.exports = { viaDaemon, deadlineMs, rawConnector, bunConnector, netConnector };
