#!/usr/bin/env node
'use strict';
// Runs the compiled test files with mocha and ends with the plain summary line
// "N passed, N failed, N skipped". Build first (npm run build). Narrow it with:
//   node test/run.js 'test/unit/**/*.test.*'       a glob, matched against the source path
//                                                  (test/unit/x.test.ts) and the compiled one
//                                                  (dist/test/unit/x.test.js)
//   node test/run.js unit/apps-                    no glob characters: a substring of the path
//   node test/run.js --tier unit,contract          whole tiers (unit, sim, contract, integration, real, e2e)
// Several patterns select the union. Naming something that selects no file is an error.
const Mocha = require('mocha');
const minimatchModule = require('minimatch');
const minimatch = typeof minimatchModule === 'function' ? minimatchModule : minimatchModule.minimatch;
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'test');
const TIERS = ['unit', 'sim', 'contract', 'integration', 'real', 'e2e'];

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

/** Parses argv into {tiers, patterns}; throws on a bad argument. */
function parseArgs(argv) {
  const tiers = [];
  const patterns = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tier' || a.startsWith('--tier=')) {
      const v = a === '--tier' ? argv[++i] : a.slice('--tier='.length);
      for (const t of (v || '').split(',')) {
        if (!TIERS.includes(t)) throw new Error(`--tier: expected one or more of ${TIERS.join(',')}, got ${JSON.stringify(v)}`);
        tiers.push(t);
      }
    } else if (a.startsWith('--')) {
      throw new Error(`unknown option ${a}`);
    } else {
      patterns.push(a);
    }
  }
  return { tiers, patterns };
}

const GLOB_CHARS = /[*?[\]{}]/;

/** Whether the compiled file `rel` (relative to the repository, dist/test/…) matches `pattern`. */
function matches(rel, pattern) {
  const source = rel.replace(/^dist\//, '').replace(/\.js$/, '.ts');
  if (!GLOB_CHARS.test(pattern)) return rel.includes(pattern) || source.includes(pattern);
  return minimatch(rel, pattern) || minimatch(source, pattern);
}

/** The files to run, in tier order then by name, as paths relative to the repository. */
function select(all, { tiers, patterns }) {
  let files = all.filter((rel) => tiers.length === 0 || tiers.includes(rel.split('/')[2]));
  if (patterns.length > 0) {
    for (const p of patterns) if (!files.some((rel) => matches(rel, p))) throw new Error(`no test file matches ${JSON.stringify(p)}`);
    files = files.filter((rel) => patterns.some((p) => matches(rel, p)));
  }
  return files;
}

function allFiles() {
  const out = [];
  for (const kind of TIERS) out.push(...collect(path.join(dist, kind), []).sort().map((f) => path.relative(root, f).split(path.sep).join('/')));
  return out;
}

module.exports = { parseArgs, select, matches, allFiles, TIERS };

if (require.main === module) {
  let files;
  try {
    files = select(allFiles(), parseArgs(process.argv.slice(2)));
  } catch (e) {
    console.error(`test/run.js: ${e.message}`);
    process.exit(2);
  }
  if (files.length === 0) {
    console.error('test/run.js: no compiled tests under dist/test; run `npm run build` first');
    process.exit(2);
  }
  const mocha = new Mocha({ timeout: Number(process.env.MVN_TEST_TIMEOUT || 30000), reporter: 'spec', color: false });
  for (const f of files) mocha.addFile(path.join(root, f));
  mocha.run().on('end', function () {
    const s = this.stats;
    // Suites skipped because this machine lacks what they need (test/helpers/requires.ts).
    for (const line of globalThis.__mvnSkippedSuites || []) console.log(`skipped: ${line}`);
    console.log(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
    process.exitCode = s.failures > 0 || s.passes === 0 ? 1 : 0;
  });
}
