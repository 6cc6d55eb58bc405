#!/usr/bin/env node
'use strict';
// Runs every compiled test file with mocha and ends with the plain summary line
// "N passed, N failed, N skipped". Pass globs to narrow it: node test/run.js 'dist/test/unit/**/*.test.js'
const Mocha = require('mocha');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'test');
const only = process.argv.slice(2);

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

const order = ['unit', 'contract', 'integration', 'real', 'e2e'];
let files = [];
for (const kind of order) files.push(...collect(path.join(dist, kind), []).sort());
if (only.length > 0) files = files.filter((f) => only.some((o) => f.includes(o)));

const mocha = new Mocha({ timeout: Number(process.env.MVN_TEST_TIMEOUT || 30000), reporter: 'spec', color: false });
for (const f of files) mocha.addFile(f);
mocha.run().on('end', function () {
  const s = this.stats;
  console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
  process.exitCode = s.failures > 0 || s.passes === 0 ? 1 : 0;
});
