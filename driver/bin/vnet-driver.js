#!/usr/bin/env node
'use strict';
// The CNI plugin runs as a fresh node process per command, so start-up is most of its cost.
// When src/bootstrap/bundle-driver.js has made dist/vnet-driver.bundle.js and every compiled
// input it was made from is unchanged (its manifest lists sizes and mtimes), run that one file,
// compiled with the V8 code cache made beside it at build time; otherwise (e.g. right after a
// plain `tsc`, or VNET_DRIVER_NO_BUNDLE=1) the tsc output dist/driver/main.js.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', 'dist');

function same(entry) {
  if (entry === null || typeof entry !== 'object' || typeof entry.file !== 'string') return false;
  const st = fs.statSync(path.join(dist, entry.file), { throwIfNoEntry: false });
  return st !== undefined && st.size === entry.size && st.mtimeMs === entry.mtimeMs;
}

/** The bundle's exports, or null when there is no fresh bundle. */
function loadBundle() {
  let m;
  try {
    m = JSON.parse(fs.readFileSync(path.join(dist, 'vnet-driver.bundle.json'), 'utf8'));
  } catch {
    return null;
  }
  if (m === null || m.v !== 2 || !Array.isArray(m.inputs) || !same(m.bundle) || !m.inputs.every(same)) return null;
  const file = path.join(dist, m.bundle.file);
  // The cache is trusted only as the very file written with this bundle (V8 itself checks its
  // version and flags, but not the source text).
  let cachedData;
  if (m.cache !== undefined && same(m.cache)) cachedData = fs.readFileSync(path.join(dist, m.cache.file));
  const vm = require('node:vm');
  const { wrap } = require('node:module');
  // latin1: the bundle is ASCII (esbuild escapes the rest), and decoding it as such is cheaper.
  const script = new vm.Script(wrap(fs.readFileSync(file, 'latin1')), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
  return mod.exports;
}

function isSocket(p) {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isSocket() === true;
  } catch {
    return false; // e.g. EACCES: not root, so not for us
  }
}

/**
 * Run the call here: under node, the driver itself; under bun (the thin plugin's runtime, see
 * src/bootstrap/plugin-launcher.js), node running this file with the same arguments, the stdin
 * already read and the same environment, passing on its exit code.
 */
function inProcess(stdin, opts) {
  if (typeof process.versions.bun === 'string') {
    const { spawnSync } = require('node:child_process');
    const node = typeof opts.node === 'string' && opts.node !== '' ? opts.node : 'node';
    const piped = stdin !== undefined && 'text' in stdin;
    const r = spawnSync(node, [__filename, ...process.argv.slice(2)], {
      input: piped ? stdin.text : undefined, stdio: [piped ? 'pipe' : 'inherit', 'inherit', 'inherit'], env: process.env,
    });
    if (r.error !== undefined) {
      const msg = `vnet-driver: cannot run ${node}: ${r.error.message}`;
      if (stdin !== undefined) fs.writeSync(1, `${JSON.stringify({ cniVersion: '0.2.0', code: 999, msg })}\n`);
      else fs.writeSync(2, `${msg}\n`);
      process.exit(1);
    }
    process.exit(typeof r.status === 'number' ? r.status : 1);
  }
  const driver = (process.env.VNET_DRIVER_NO_BUNDLE === '1' ? null : loadBundle()) ?? require(path.join(dist, 'driver', 'main.js'));
  driver.main(process.argv, stdin);
}

// As a CNI plugin: when a `vnet-driver daemon` socket exists (VNET_DRIVER_SOCKET, else the
// config's daemonSocket, else /run/vnet-driver/driver.sock), hand it the call without loading
// the driver (driver/bin/daemon-client.js); otherwise, or when nobody listens there, run it
// here. VNET_DRIVER_DAEMON=off or a fault hook (VNET_DRIVER_FAULT, tests) keeps it in-process.
// opts.node: the node to hand the call to when this runs under bun (dist/bin/vnet-driver gives it).
function cli(opts) {
  const env = process.env;
  if (env.CNI_COMMAND === undefined || env.CNI_COMMAND === '') {
    inProcess(undefined, opts);
    return;
  }
  let stdin;
  try {
    stdin = { text: fs.readFileSync(0, 'utf8') };
  } catch (error) {
    stdin = { error };
  }
  let conf = {};
  if ('text' in stdin) {
    try {
      const v = JSON.parse(stdin.text);
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) conf = v;
    } catch {
      // not JSON: the driver answers that
    }
  }
  const sock = env.VNET_DRIVER_SOCKET || (typeof conf.daemonSocket === 'string' ? conf.daemonSocket : '/run/vnet-driver/driver.sock');
  const useDaemon = env.VNET_DRIVER_DAEMON !== 'off' && (env.VNET_DRIVER_FAULT === undefined || env.VNET_DRIVER_FAULT === '') && 'text' in stdin
    && sock.startsWith('/') && isSocket(sock);
  if (useDaemon) require('./daemon-client.js').viaDaemon(sock, conf, stdin.text, () => inProcess(stdin, opts));
  else inProcess(stdin, opts);
}

module.exports = { cli };
if (require.main === module) cli({});
