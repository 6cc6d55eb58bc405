#!/usr/bin/env node
'use strict';
// Build step after tsc (src/bootstrap/ensure.js build): bundles the compiled vnet-driver
// (dist/driver/main.js with everything it may require, except axios and commander) into one
// minified file, dist/vnet-driver.bundle.js, and saves V8's code cache for it. The CNI plugin is
// a fresh process per ADD/DEL: one file spares it the resolution, reading and compiling of ~50
// modules, and the cache the compiling of what ADD and DEL run. axios (only the OpenVNet client's
// default transport, which the driver never uses) and commander (the operator CLI) stay outside:
// they were three quarters of the bundle's text, read and deserialised at every call for nothing;
// the CLI loads commander from node_modules. A manifest, written last, lists every
// compiled input of ours and npm's record of node_modules with size and mtime, and the bundle
// and cache files themselves: driver/bin/vnet-driver.js uses them only while all still match
// (anyone may run a plain tsc later), else dist/driver/main.js.
// Plain CommonJS; without esbuild (installed without dev dependencies) it removes the bundle.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const entry = path.join(dist, 'driver', 'main.js');
const bundle = path.join(dist, 'vnet-driver.bundle.js');
const cache = path.join(dist, 'vnet-driver.bundle.cache');
const manifest = path.join(dist, 'vnet-driver.bundle.json');

function removeAll() {
  for (const f of [manifest, bundle, `${bundle}.map`, cache]) fs.rmSync(f, { force: true });
}

function stamp(file) {
  const st = fs.statSync(file);
  return { file: path.relative(dist, file), size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Child mode: compile the bundle exactly as the launcher does, run the driver's warm-up (ADD and
 * DEL through every step, with a runner that starts no program, against a stand-in OpenVNet
 * webapi on loopback) and save what V8 compiled by then.
 */
async function makeCodeCache(out) {
  const http = require('node:http');
  const os = require('node:os');
  const vm = require('node:vm');
  const { wrap } = require('node:module');
  const before = stamp(bundle);
  const source = fs.readFileSync(bundle, 'latin1');
  // The stamp of the text compiled goes to the parent: a concurrent build may replace the file.
  if (JSON.stringify(stamp(bundle)) !== JSON.stringify(before)) throw new Error('bundle changed while read');
  const script = new vm.Script(wrap(source), { filename: bundle });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundle, path.dirname(bundle));
  // The stand-in knows network nw-warmup and nothing else: datapaths are unknown until posted;
  // interfaces are created and deleted.
  const server = http.createServer((req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && /^\/api(\/1\.0)?\/networks\/nw-warmup(\?|$)/.test(req.url)) {
        reply(200, { id: 1, uuid: 'nw-warmup', display_name: 'warmup', ipv4_network: '10.0.0.0', ipv4_prefix: 24, network_mode: 'virtual' });
      } else if (req.method === 'POST' && /^\/api(\/1\.0)?\/datapaths(\?|$)/.test(req.url)) {
        reply(201, { id: 1, uuid: 'dp-warmup', display_name: 'warmup', dpid: '0x1', node_id: 'vna' });
      } else if (req.method === 'POST' && /^\/api(\/1\.0)?\/interfaces(\?|$)/.test(req.url)) {
        reply(201, { id: 1, uuid: 'if-warmup', mode: 'vif', display_name: 'warmup' });
      } else if (req.method === 'DELETE' && /^\/api(\/1\.0)?\/interfaces\//.test(req.url)) {
        reply(200, { uuid: req.url.split('/').pop().split('?')[0] });
      } else {
        reply(404, { error: 'Vnet::Endpoints::Errors::UnknownUUIDResource', message: req.url, code: '100' });
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-warmup.'));
  try {
    const outs = await mod.exports.warmUp(`http://127.0.0.1:${server.address().port}`, scratch);
    // Proof that the whole path ran: every ADD and DEL succeeded.
    if (outs.length === 0 || !outs.every((o) => o.exitCode === 0)) {
      throw new Error(`unexpected warm-up result: ${outs.map((o) => o.stdout.trim()).join(' ')}`);
    }
  } finally {
    server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  fs.writeFileSync(out, script.createCachedData());
  process.stdout.write(JSON.stringify(before));
}

const inNodeModules = (file) => file.split(path.sep).includes('node_modules');

/**
 * Reads our compiled files for esbuild, each stamped just BEFORE it is read: a file rewritten
 * meanwhile (another tsc) then carries a newer stamp than the manifest's, and the launcher
 * leaves the bundle alone, never the other way round.
 */
function stampOurInputs(stamps) {
  return {
    name: 'stamp-our-inputs',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (args.namespace !== 'file' || inNodeModules(args.path)) return undefined;
        stamps.set(args.path, stamp(args.path));
        return { contents: fs.readFileSync(args.path, 'utf8'), loader: 'js' };
      });
    },
  };
}

async function build() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    removeAll();
    console.error('bundle-driver: esbuild not installed, vnet-driver runs from dist/driver/main.js');
    return 0;
  }
  if (!fs.existsSync(entry)) {
    console.error(`bundle-driver: ${path.relative(root, entry)} missing (run tsc first)`);
    return 1;
  }
  // The old manifest goes first: until the new one is written no launcher trusts a half-made set.
  removeAll();
  const lock = stamp(path.join(root, 'node_modules', '.package-lock.json'));
  const stamps = new Map();
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: bundle,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    // ASCII only (the default, stated): the launcher reads the text as latin1.
    charset: 'ascii',
    metafile: true,
    logLevel: 'warning',
    external: ['axios', 'commander'],
    plugins: [stampOurInputs(stamps)],
  });
  // Metafile keys: paths relative to root.
  const inputs = Object.keys(result.metafile.inputs).map((rel) => path.resolve(root, rel)).filter((abs) => !inNodeModules(abs));
  const missing = inputs.filter((f) => !stamps.has(f));
  if (missing.length > 0) throw new Error(`inputs read without a stamp: ${missing.join(', ')}`);
  const tmp = `${cache}.${process.pid}.tmp`;
  const child = spawnSync(process.execPath, [__filename, '--code-cache', tmp], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  let cached = null;
  const made = stamp(bundle);
  if (child.status === 0 && fs.existsSync(tmp) && child.stdout === JSON.stringify(made)) {
    fs.renameSync(tmp, cache);
    cached = stamp(cache);
  } else {
    fs.rmSync(tmp, { force: true });
    console.error('bundle-driver: no code cache (the bundle is used without it)');
  }
  const m = { v: 2, bundle: made, ...(cached === null ? {} : { cache: cached }), inputs: [...inputs.map((f) => stamps.get(f)), lock] };
  const tmpManifest = `${manifest}.${process.pid}.tmp`;
  fs.writeFileSync(tmpManifest, JSON.stringify(m));
  fs.renameSync(tmpManifest, manifest);
  console.error(`bundle-driver: ${path.relative(root, bundle)} (${m.bundle.size} bytes${cached === null ? '' : `, code cache ${cached.size} bytes`}, ${m.inputs.length} inputs tracked)`);
  return 0;
}

if (process.argv[2] === '--code-cache') {
  makeCodeCache(process.argv[3]).catch((err) => {
    console.error(`bundle-driver: code cache: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
} else {
  build().then((code) => {
    process.exitCode = code;
  }, (err) => {
    console.error(`bundle-driver: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
