#!/usr/bin/env node
'use strict';
// The CNI plugin runs as a fresh node process per command, so start-up is most of its cost.
// When src/bootstrap/bundle-driver.js has made dist/vnet-driver.bundle.js and every compiled
// input it was made from is unchanged (its manifest lists sizes and mtimes), run that one file,
// compiled with the V8 code cache made beside it at build time; otherwise (e.g. right after a
// plain `tsc`, or VNET_DRIVER_NO_BUNDLE=1) the tsc output dist/driver/main.js.
// node:fs and node:path load when first used: under bun (the thin plugin) they would be ~9 ms of
// a ~28 ms CPU daemon call, which there needs neither.
let fsLoaded;
let pathLoaded;
const fsm = () => (fsLoaded ??= require('node:fs'));
const pathm = () => (pathLoaded ??= require('node:path'));
let distLoaded;
const distDir = () => (distLoaded ??= pathm().join(__dirname, '..', '..', 'dist'));
/**
 * dist/<rel>. A manifest path without '.' or '..' steps is joined by hand: path.join normalises
 * character by character, and one per manifest entry (~55) made that loop hot enough for V8 to
 * optimise it on a second thread, 4-9 ms of CPU in every driver process.
 */
function inDist(rel) {
  return rel !== '' && !rel.startsWith('/') && !rel.split('/').some((s) => s === '' || s === '.' || s === '..')
    ? `${distDir()}/${rel}` : pathm().join(distDir(), rel);
}
/** bun's global when this runs under bun, else undefined. */
const BUN = typeof process.versions.bun === 'string' ? globalThis.Bun : undefined;

function same(entry) {
  if (entry === null || typeof entry !== 'object' || typeof entry.file !== 'string') return false;
  const st = fsm().statSync(inDist(entry.file), { throwIfNoEntry: false });
  return st !== undefined && st.size === entry.size && st.mtimeMs === entry.mtimeMs;
}

/** The bundle's exports, or null when there is no fresh bundle. */
function loadBundle() {
  let m;
  try {
    m = JSON.parse(fsm().readFileSync(inDist('vnet-driver.bundle.json'), 'utf8'));
  } catch {
    return null;
  }
  if (m === null || m.v !== 2 || !Array.isArray(m.inputs) || !same(m.bundle) || !m.inputs.every(same)) return null;
  const file = inDist(m.bundle.file);
  // The cache is trusted only as the very file written with this bundle (V8 itself checks its
  // version and flags, but not the source text).
  let cachedData;
  if (m.cache !== undefined && same(m.cache)) cachedData = fsm().readFileSync(inDist(m.cache.file));
  const vm = require('node:vm');
  const { wrap } = require('node:module');
  // latin1: the bundle is ASCII (esbuild escapes the rest), and decoding it as such is cheaper.
  const script = new vm.Script(wrap(fsm().readFileSync(file, 'latin1')), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, pathm().dirname(file));
  return mod.exports;
}

function isSocket(p) {
  try {
    return fsm().statSync(p, { throwIfNoEntry: false })?.isSocket() === true;
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
  if (BUN !== undefined) {
    // Bun.spawnSync: an argument array, no shell (bun's own, so the driver keeps one module
    // starting programs the node way, src/lib/process.ts).
    const node = typeof opts.node === 'string' && opts.node !== '' ? opts.node : 'node';
    const piped = stdin !== undefined && 'text' in stdin;
    let r;
    try {
      r = BUN.spawnSync({
        cmd: [node, __filename, ...process.argv.slice(2)], env: process.env,
        stdin: piped ? Buffer.from(stdin.text, 'utf8') : 'inherit', stdout: 'inherit', stderr: 'inherit',
      });
    } catch (error) {
      const msg = `vnet-driver: cannot run ${node}: ${error instanceof Error ? error.message : String(error)}`;
      if (stdin !== undefined) fsm().writeSync(1, `${JSON.stringify({ cniVersion: '0.2.0', code: 999, msg })}\n`);
      else fsm().writeSync(2, `${msg}\n`);
      process.exit(1);
    }
    process.exit(typeof r.exitCode === 'number' ? r.exitCode : 1);
  }
  const driver = (process.env.VNET_DRIVER_NO_BUNDLE === '1' ? null : loadBundle()) ?? require(pathm().join(distDir(), 'driver', 'main.js'));
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
  if (BUN !== undefined) {
    // bun: stdin without node:fs.
    BUN.stdin.text().then((text) => route({ text }, opts), (error) => route({ error }, opts));
    return;
  }
  let stdin;
  try {
    stdin = { text: fsm().readFileSync(0, 'utf8') };
  } catch (error) {
    stdin = { error };
  }
  route(stdin, opts);
}

/** A CNI call with its stdin read: to the daemon, or here. */
function route(stdin, opts) {
  const env = process.env;
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
  // Under bun the socket is not stat'ed first (that needs node:fs): the connect tells, and any
  // failure to connect runs the call in node (viaDaemon's `unprobed`).
  const useDaemon = env.VNET_DRIVER_DAEMON !== 'off' && (env.VNET_DRIVER_FAULT === undefined || env.VNET_DRIVER_FAULT === '') && 'text' in stdin
    && sock.startsWith('/') && (BUN !== undefined || isSocket(sock));
  if (useDaemon) require('./daemon-client.js').viaDaemon(sock, conf, stdin.text, () => inProcess(stdin, opts), { unprobed: BUN !== undefined });
  else inProcess(stdin, opts);
}

module.exports = { cli };
if (require.main === module) cli({});
