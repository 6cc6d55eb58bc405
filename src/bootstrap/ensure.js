#!/usr/bin/env node
'use strict';
// Makes a fresh clone runnable: installs npm packages when node_modules is missing or stale,
// installs the Debian packages a purpose needs when they are absent (root only), then builds.
// Purposes: build, unit (no Debian packages), test (also builds test/tools/cni-harness), bench,
// start (then runs `marathon-vnet local` with the remaining arguments: `npm start -- --ovs`
// installs Open vSwitch as MVN_OVS=1 does).
// Plain CommonJS with no dependencies: it runs before anything else exists.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { aptGet } = require('./apt');
const { wantedPackages } = require('./packages');

const root = path.resolve(__dirname, '..', '..');
const purpose = process.argv[2] || 'build';
const rest = process.argv.slice(3);
/** How long apt-get waits for another apt-get/dpkg to release its locks (seconds). */
const APT_LOCK_TIMEOUT_S = Number(process.env.MVN_APT_LOCK_TIMEOUT || 300);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`ensure: ${cmd} ${args.join(' ')} exited with ${r.status}`);
    process.exit(r.status || 1);
  }
}

function ensureNpm() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.package-lock.json');
  const stale = !fs.existsSync(stamp) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(stamp).mtimeMs + 1000);
  if (stale) {
    console.error('ensure: installing npm packages (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
}

function ensureDebian() {
  const wanted = wantedPackages(purpose, rest, process.env);
  const missing = Object.entries(wanted).filter(([, file]) => !fs.existsSync(file)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    console.error(`ensure: Debian packages missing (${missing.join(' ')}); run as root or install them: apt-get install ${missing.join(' ')}`);
    return;
  }
  if (!fs.existsSync('/usr/bin/apt-get')) {
    console.error(`ensure: no apt-get; please install: ${missing.join(' ')}`);
    return;
  }
  console.error(`ensure: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const deps = {
    spawn: (cmd, args) => {
      const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], timeout: 30 * 60 * 1000 });
      if (r.error) throw r.error;
      return r;
    },
    now: () => Date.now(),
    sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
    say: (line) => console.error(line),
  };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    const r = aptGet(args, APT_LOCK_TIMEOUT_S, deps);
    if (r.status !== 0) {
      process.stderr.write(r.stderr || '');
      console.error(`ensure: apt-get ${args[0]} exited with ${r.status}`);
      process.exit(r.status || 1);
    }
  }
}

/**
 * Removes compiled files whose TypeScript source is gone (a deleted or moved test would otherwise
 * still run from dist/). Only dist/{src,driver,test,bench}/**.js(.map) with no .ts (or, for
 * generated code, .d.ts) beside the source.
 */
function sweepStaleOutput() {
  const dist = path.join(root, 'dist');
  const walk = (dir) => {
    let entries;
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) { walk(full); continue; }
      const m = /^(.*)\.js(\.map)?$/.exec(e.name);
      if (!m) continue;
      const source = path.join(root, path.relative(dist, dir), `${m[1]}.ts`);
      // A module generated into dist/ has only its declaration (.d.ts) beside the sources.
      if (!fs.existsSync(source) && !fs.existsSync(path.join(root, path.relative(dist, dir), `${m[1]}.d.ts`))) fs.rmSync(full, { force: true });
    }
  };
  for (const top of ['src', 'driver', 'test', 'bench']) walk(path.join(dist, top));
}

function build() {
  sweepStaleOutput();
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  run(process.execPath, [path.join(root, 'src', 'bootstrap', 'gen-cni-validator.js')]);
  run(process.execPath, [path.join(root, 'src', 'bootstrap', 'bundle-driver.js')]);
  run(process.execPath, [path.join(root, 'src', 'bootstrap', 'plugin-launcher.js')]);
  run(process.execPath, [path.join(root, 'src', 'ui', 'build.js')]);
}

function buildCniHarness() {
  const harness = require(path.join(root, 'test', 'tools', 'cni-harness', 'build.js'));
  const missing = harness.missingToolchain();
  if (missing) {
    console.error(`ensure: not building test/tools/cni-harness: Debian packages missing (${missing}); the libcni tests will skip`);
    return;
  }
  try {
    harness.build();
  } catch (e) {
    console.error(`ensure: ${e.message}`);
    process.exit(1);
  }
}

/** `npm start`: runs the CLI; Ctrl-C reaches it through the terminal, and we wait for its cleanup. */
function startLocal() {
  const child = spawn(process.execPath, [path.join(root, 'src', 'bin', 'marathon-vnet.js'), 'local', ...rest], { stdio: 'inherit' });
  // A Ctrl-C on a terminal reaches the whole process group (the CLI too): pass it on only when
  // it came from elsewhere, or the CLI would hear it twice.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { if (sig !== 'SIGINT' || !process.stdin.isTTY) child.kill(sig); });
  }
  child.on('exit', (code, signal) => { process.exitCode = code === null ? 128 + (require('node:os').constants.signals[signal] || 1) : code; });
}

ensureNpm();
if (purpose !== 'build' && purpose !== 'unit') ensureDebian();
build();
if (purpose === 'test') buildCniHarness();
if (purpose === 'start') startLocal();
