'use strict';
// The thin plugin: hand one CNI call to `vnet-driver daemon` over its unix socket and print its
// answer. Loaded only when the socket file exists; uses node:net and nothing of the driver.
// No daemon there (ENOENT, ECONNREFUSED) → `fallback()` runs the call in-process. Once the
// daemon has the request it is never run again here: no answer within the command's deadline
// (plus a second) is a CNI error 11 naming the daemon, so a request never runs twice at once.
const fs = require('node:fs');

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
  let sent = 0;
  try {
    while (sent < bytes.length) sent += fs.writeSync(1, bytes, sent, bytes.length - sent);
  } catch (err) {
    if (err.code !== 'EAGAIN') process.exit(code);
  }
  if (sent >= bytes.length) process.exit(code);
  process.stdout.write(bytes.subarray(sent), () => process.exit(code));
}

/**
 * conf: the parsed stdin ({} when it is not JSON); stdin: its text; fallback(): run in-process.
 */
function viaDaemon(sock, conf, stdin, fallback) {
  const net = require('node:net');
  const cniVersion = typeof conf.cniVersion === 'string' && /^\d+\.\d+\.\d+$/.test(conf.cniVersion) ? conf.cniVersion : '0.2.0';
  const tryLater = (details) => print(`${JSON.stringify({ cniVersion, code: 11, msg: 'vnet-driver daemon did not answer', details })}\n`, 1);
  const waitMs = deadlineMs(conf) + GRACE_MS;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('CNI_') && v !== undefined) env[k] = v;
  const body = JSON.stringify({ v: 1, env, stdin, deadlineAt: Date.now() + waitMs });
  const c = net.createConnection({ path: sock, allowHalfOpen: true });
  let connected = false;
  let over = false;
  const chunks = [];
  const done = (fn) => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    c.destroy();
    fn();
  };
  const timer = setTimeout(() => done(() => tryLater(`no answer from ${sock} within ${waitMs} ms (deadlineMs + ${GRACE_MS}); not retried in-process while it may still run; DEL or gc removes what it left`)), waitMs);
  c.on('connect', () => {
    connected = true;
    c.end(body);
  });
  c.on('data', (d) => chunks.push(d));
  c.on('end', () => done(() => {
    let out = null;
    try {
      out = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      out = null;
    }
    if (out !== null && typeof out === 'object' && typeof out.stdout === 'string' && Number.isInteger(out.exitCode)) print(out.stdout, out.exitCode);
    else tryLater(`${sock} closed the connection without an answer`);
  }));
  c.on('error', (err) => done(() => {
    if (!connected && (err.code === 'ENOENT' || err.code === 'ECONNREFUSED')) fallback();
    else tryLater(`${sock}: ${err.code ?? err.message}`);
  }));
}

module.exports = { viaDaemon, deadlineMs };
