#!/usr/bin/env node
'use strict';
// Build step after tsc (src/bootstrap/ensure.js build): bundles the compiled vnet-driver
// (dist/driver/main.js with everything it may require, axios included) into one minified file,
// dist/vnet-driver.bundle.js, and saves V8's code cache for it. The CNI plugin is a fresh
// process per ADD/DEL: one file spares it the resolution, reading and compiling of ~100 modules,
// and the cache most of the compiling of the rest. A manifest, written last, lists every
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
 * Child mode: compile the bundle exactly as the launcher does, run the driver's warm-up (an ADD
 * and a DEL with nothing to plumb, against a stand-in OpenVNet webapi on loopback) and save what
 * V8 compiled by then, the request path of axios included.
 */
async function makeCodeCache(out) {
  const http = require('node:http');
  const os = require('node:os');
  const vm = require('node:vm');
  const { wrap } = require('node:module');
  const before = stamp(bundle);
  const source = fs.readFileSync(bundle, 'utf8');
  // The stamp of the text compiled goes to the parent: a concurrent build may replace the file.
  if (JSON.stringify(stamp(bundle)) !== JSON.stringify(before)) throw new Error('bundle changed while read');
  const script = new vm.Script(wrap(source), { filename: bundle });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundle, path.dirname(bundle));
  const server = http.createServer((req, res) => {
    const network = req.method === 'GET' && /^\/api\/networks\/nw-warmup(\?|$)/.test(req.url);
    res.writeHead(network ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(network
      ? { id: 1, uuid: 'nw-warmup', display_name: 'warmup', ipv4_network: '10.0.0.0', ipv4_prefix: 24, network_mode: 'virtual' }
      : { error: 'Vnet::Endpoints::Errors::UnknownUUIDResource', message: req.url, code: '100' }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-driver-warmup.'));
  try {
    const [add, del] = await mod.exports.warmUp(`http://127.0.0.1:${server.address().port}`, scratch);
    // Proof that the whole path ran: the ADD reached the namespace check, the DEL succeeded.
    if (!(add.exitCode === 1 && JSON.parse(add.stdout).code === 3 && del.exitCode === 0)) {
      throw new Error(`unexpected warm-up result: ${add.stdout} ${del.stdout}`);
    }
  } finally {
    server.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  fs.writeFileSync(out, script.createCachedData());
  process.stdout.write(JSON.stringify(before));
}

// axios requires form-data (with mime-db and a dozen helper packages), https-proxy-agent and
// node's http2 when it loads, though it touches them only to build multipart bodies, to talk
// through a proxy or over HTTP/2, none of which the driver does unless configured. Inside
// axios they are replaced by stand-ins that load the real module on first use; everything
// else passes through.
const LAZY = /^(form-data|https-proxy-agent|http2)$/;

/** CommonJS source of the stand-in for package `name`: a proxy that loads it when touched. */
function lazyStandIn(name) {
  return `'use strict';
let real;
const load = () => {
  if (real === undefined) {
    if (process.env.VNET_DRIVER_TRACE === '1') process.stderr.write('vnet-driver trace loading ' + ${JSON.stringify(name)} + '\\n');
    real = require(${JSON.stringify(name)});
  }
  return real;
};
// A constructor's own @@toStringTag is undefined; answering that loads nothing (axios asks
// for it whenever it merges configs).
module.exports = new Proxy(function () {}, {
  get: (_, k) => (k === Symbol.toStringTag ? undefined : Reflect.get(load(), k)),
  has: (_, k) => Reflect.has(load(), k),
  set: (_, k, v) => Reflect.set(load(), k, v),
  apply: (_, self, a) => Reflect.apply(load(), self, a),
  construct: (_, a) => Reflect.construct(load(), a),
  getPrototypeOf: () => Reflect.getPrototypeOf(load()),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, k) => Reflect.getOwnPropertyDescriptor(load(), k),
});
`;
}

const lazyOptional = {
  name: 'lazy-optional-axios-deps',
  setup(b) {
    b.onResolve({ filter: LAZY }, (args) => {
      if (args.namespace === 'lazy' || !args.importer.split(path.sep).join('/').includes('/node_modules/axios/')) return undefined;
      return { path: args.path, namespace: 'lazy', pluginData: { resolveDir: args.resolveDir } };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({ resolveDir: args.pluginData.resolveDir, loader: 'js', contents: lazyStandIn(args.path) }));
  },
};

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
    metafile: true,
    logLevel: 'warning',
    plugins: [lazyOptional, stampOurInputs(stamps)],
  });
  // Metafile keys: paths relative to root, or `<namespace>:<path>` for the stand-ins.
  const inputs = Object.keys(result.metafile.inputs).filter((k) => !k.startsWith('lazy:'))
    .map((rel) => path.resolve(root, rel)).filter((abs) => !inNodeModules(abs));
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

module.exports = { lazyStandIn };

if (require.main !== module) {
  // required by a test: build nothing
} else if (process.argv[2] === '--code-cache') {
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
