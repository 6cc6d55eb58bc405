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

const driver = (process.env.VNET_DRIVER_NO_BUNDLE === '1' ? null : loadBundle()) ?? require(path.join(dist, 'driver', 'main.js'));
driver.main(process.argv);
