#!/usr/bin/env node
'use strict';
// Builds cni-harness (main.go), an independent CNI client on the reference libcni, with Debian's
// golang-go and golang-github-appc-cni-dev (GOPATH mode, no network). `npm test` runs it through
// src/bootstrap/ensure.js when the binary is missing or older than main.go.
// Usage: node test/tools/cni-harness/build.js [OUTFILE]   (default: dist/tools/cni-harness)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..', '..');
const GO = '/usr/bin/go';
const GOPATH = '/usr/share/gocode';
const LIBCNI = path.join(GOPATH, 'src', 'github.com', 'containernetworking', 'cni', 'libcni');
const DEFAULT_OUT = path.join(ROOT, 'dist', 'tools', 'cni-harness');
const DEADLINE_MS = 300000;

/** What is missing to build it ('' when nothing). */
function missingToolchain() {
  const missing = [];
  if (!fs.existsSync(GO)) missing.push('golang-go');
  if (!fs.existsSync(LIBCNI)) missing.push('golang-github-appc-cni-dev');
  return missing.join(' ');
}

function upToDate(out) {
  try {
    return fs.statSync(out).mtimeMs >= fs.statSync(path.join(HERE, 'main.go')).mtimeMs;
  } catch {
    return false;
  }
}

/** Builds into `out` unless it is up to date; returns the binary's path or throws. */
function build(out = DEFAULT_OUT) {
  if (upToDate(out)) return out;
  const missing = missingToolchain();
  if (missing) throw new Error(`cni-harness cannot be built: Debian packages missing (${missing})`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const env = {
    ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', CGO_ENABLED: '0',
    GOCACHE: process.env.GOCACHE || path.join(os.tmpdir(), `marathon-vnet-gocache-${process.getuid ? process.getuid() : 0}`),
  };
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(GO, ['build', '-o', tmp, path.join(HERE, 'main.go')], { cwd: HERE, env, stdio: ['ignore', 'inherit', 'inherit'], timeout: DEADLINE_MS });
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`cni-harness: go build failed (${r.error ? r.error.message : `exit ${r.status}`})`);
  }
  fs.renameSync(tmp, out);
  return out;
}

module.exports = { build, missingToolchain, DEFAULT_OUT };

if (require.main === module) {
  try {
    console.log(build(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
