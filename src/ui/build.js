#!/usr/bin/env node
'use strict';
// Builds the web UI into dist/ui/: one esbuild bundle (app-<hash>.js), the stylesheet
// (style-<hash>.css) and index.html pointing at both. Hashed names let the server cache assets
// forever; index.html is never cached. samples/apps/vnettest.json is embedded as the editor's
// starting text. Plain CommonJS: ensure.js runs it right after tsc.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const root = path.resolve(__dirname, '..', '..');
const srcDir = __dirname;
const defaultOutDir = path.join(root, 'dist', 'ui');

function sampleText() {
  const file = path.join(root, 'samples', 'apps', 'vnettest.json');
  // The editor starts from the original request itself: no stand-in that could drift from it.
  try {
    const text = fs.readFileSync(file, 'utf8');
    JSON.parse(text); // refuse to embed a broken sample silently
    return text.endsWith('\n') ? text : `${text}\n`;
  } catch (e) {
    throw new Error(`ui build: the Create page's sample ${file}: ${e.message}`);
  }
}

function hashOf(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex').slice(0, 12);
}

/** Builds into opts.outDir (default dist/ui); answers the directory and the file names. */
async function build(opts = {}) {
  const outDir = path.resolve(opts.outDir || defaultOutDir);
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(srcDir, 'main.ts')],
    bundle: true,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: false,
    write: false,
    legalComments: 'none',
    define: { __SAMPLE_APP__: JSON.stringify(sampleText()) },
    logLevel: 'warning',
  });
  const js = Buffer.from(result.outputFiles[0].contents);
  const css = fs.readFileSync(path.join(srcDir, 'style.css'));
  const jsName = `app-${hashOf(js)}.js`;
  const cssName = `style-${hashOf(css)}.css`;
  const html = fs
    .readFileSync(path.join(srcDir, 'index.html'), 'utf8')
    .replace('{{SCRIPT}}', jsName)
    .replace('{{STYLE}}', cssName);

  // Write into a fresh sibling directory, then swap, so a running server never sees half a build.
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, jsName), js);
  fs.writeFileSync(path.join(tmp, cssName), css);
  fs.writeFileSync(path.join(tmp, 'index.html'), html);
  const old = `${outDir}.old-${process.pid}`;
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
  fs.renameSync(tmp, outDir);
  fs.rmSync(old, { recursive: true, force: true });
  return { outDir, files: [jsName, cssName, 'index.html'] };
}

module.exports = { build };

if (require.main === module) {
  build()
    .then((r) => process.stderr.write(`ui: built ${r.files.join(', ')} into ${path.relative(root, r.outDir)}\n`))
    .catch((e) => {
      process.stderr.write(`ui build failed: ${e.message}\n`);
      process.exit(1);
    });
}
