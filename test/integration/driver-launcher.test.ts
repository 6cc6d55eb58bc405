// driver/bin/vnet-driver.js picks the one-file bundle only while its manifest matches every
// file it was made from, else the tsc output; a cache that is not the one written with the
// bundle is left out. Run against a private copy of the launcher over a fake dist/ tree, and
// (when the build made one) against the real bundle and its loaded OpenVNet client.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DRIVER_BIN, REPO, sh } from './driver-fixture';

interface Stamp { file: string; size: number; mtimeMs: number }

describe('driver: launcher picks the bundle only while it is fresh', function () {
  this.timeout(30000);
  let T: string;
  let launcher: string;
  let dist: string;

  const stamp = (rel: string): Stamp => {
    const st = fs.statSync(path.join(dist, rel));
    return { file: rel, size: st.size, mtimeMs: st.mtimeMs };
  };
  // main(null) does nothing: it only gets compiled (for the code cache below).
  const entry = (says: string): string => `exports.main = (argv) => argv === null || process.stdout.write(${JSON.stringify(says)} + ' ' + argv.length);\n`;
  const writeManifest = (extra: Record<string, unknown> = {}): void => {
    fs.writeFileSync(path.join(dist, 'vnet-driver.bundle.json'), JSON.stringify({
      v: 2, bundle: stamp('vnet-driver.bundle.js'), inputs: [stamp('driver/main.js'), stamp('driver/other.js')], ...extra,
    }));
  };
  const launch = async (env: NodeJS.ProcessEnv = {}): Promise<string> => {
    const r = await sh(process.execPath, [launcher, 'x'], { env: { PATH: process.env.PATH, ...env } });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  beforeEach(() => {
    T = fs.mkdtempSync(path.join(os.tmpdir(), `vt-launch-${randomBytes(3).toString('hex')}.`));
    dist = path.join(T, 'dist');
    fs.mkdirSync(path.join(T, 'driver', 'bin'), { recursive: true });
    fs.mkdirSync(path.join(dist, 'driver'), { recursive: true });
    launcher = path.join(T, 'driver', 'bin', 'vnet-driver.js');
    fs.copyFileSync(DRIVER_BIN, launcher);
    fs.writeFileSync(path.join(dist, 'driver', 'main.js'), entry('tsc'));
    fs.writeFileSync(path.join(dist, 'driver', 'other.js'), '// an input\n');
    fs.writeFileSync(path.join(dist, 'vnet-driver.bundle.js'), entry('bundle'));
  });

  afterEach(() => {
    fs.rmSync(T, { recursive: true, force: true });
  });

  it('runs the bundle when every input matches, passing argv', async () => {
    writeManifest();
    assert.equal(await launch(), `bundle 3`);
  });

  it('falls back to the tsc output when an input changed after bundling', async () => {
    writeManifest();
    fs.appendFileSync(path.join(dist, 'driver', 'other.js'), '// edited\n');
    assert.equal(await launch(), 'tsc 3');
  });

  it('falls back when an input is gone, the manifest is unreadable or of another version', async () => {
    writeManifest();
    fs.rmSync(path.join(dist, 'driver', 'other.js'));
    assert.equal(await launch(), 'tsc 3');
    fs.writeFileSync(path.join(dist, 'driver', 'other.js'), '// back\n');
    fs.writeFileSync(path.join(dist, 'vnet-driver.bundle.json'), '{"v":');
    assert.equal(await launch(), 'tsc 3');
    fs.writeFileSync(path.join(dist, 'vnet-driver.bundle.json'), JSON.stringify({ v: 1, bundle: 'vnet-driver.bundle.js', inputs: [] }));
    assert.equal(await launch(), 'tsc 3');
  });

  it('falls back when the bundle itself was replaced, and on VNET_DRIVER_NO_BUNDLE=1', async () => {
    writeManifest();
    assert.equal(await launch({ VNET_DRIVER_NO_BUNDLE: '1' }), 'tsc 3');
    fs.writeFileSync(path.join(dist, 'vnet-driver.bundle.js'), entry('other bundle'));
    assert.equal(await launch(), 'tsc 3');
  });

  it('leaves out a code cache that is not the one recorded with the bundle', async () => {
    // Bytecode of another text of the same length: V8 would accept it (it checks only the
    // length), so only the manifest keeps it out. Used, it would print "BUNDLE".
    const vm = await import('node:vm');
    const { wrap } = await import('node:module');
    const other = entry('BUNDLE');
    const script = new vm.Script(wrap(other), { filename: 'x.js' });
    const mod = { exports: {} as { main?: (a: string[] | null) => void } };
    (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, require, mod, 'x.js', T);
    mod.exports.main?.(null);
    fs.writeFileSync(path.join(dist, 'vnet-driver.bundle.cache'), script.createCachedData());
    writeManifest({ cache: { file: 'vnet-driver.bundle.cache', size: 1, mtimeMs: 0 } });
    assert.equal(await launch(), 'bundle 3');
  });

  it('the driver\'s OpenVNet client: node:http transport, neither axios nor undici loaded, requests work', async () => {
    const loader = path.join(REPO, 'dist', 'driver', 'openvnet', 'load-client.js');
    const transport = path.join(REPO, 'dist', 'driver', 'openvnet', 'http-transport.js');
    const program = `
      const http = require('node:http');
      const { OpenVnetClient } = require(${JSON.stringify(loader)}).loadClientModule();
      const { nodeHttpTransport } = require(${JSON.stringify(transport)});
      const server = http.createServer((req, res) => { res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ uuid: 'nw-a', display_name: 'a', ipv4_network: '10.1.0.0', ipv4_prefix: 24, network_mode: 'virtual' })); });
      server.listen(0, '127.0.0.1', async () => {
        const nw = await new OpenVnetClient({ baseUrl: 'http://127.0.0.1:' + server.address().port, retries: 0, transport: nodeHttpTransport }).getNetwork('nw-a');
        server.close();
        const undici = process.moduleLoadList.some((m) => /undici|webstreams.readablestream/.test(m));
        const axios = Object.keys(require.cache).some((k) => k.includes('/node_modules/axios/'));
        process.stdout.write(JSON.stringify({ undici, axios, subnet: nw.ipv4Network + '/' + nw.ipv4Prefix }));
      });`;
    const r = await sh(process.execPath, ['-e', program]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { undici: false, axios: false, subnet: '10.1.0.0/24' });
  });

  it('the built bundle: an OpenVNet ADD+DEL runs from the bundle without axios, commander or node:crypto', async function () {
    // Needs the bundle the build made (npm test builds it); a plain tsc leaves it stale.
    const version = await sh(process.execPath, [DRIVER_BIN], { env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION', VNET_DRIVER_TRACE: '1' }, input: '{}' });
    if (!/loaded \(bundle\)/.test(version.stderr)) this.skip();
    // axios and commander stay outside the bundle (loaded from node_modules when the CLI or the
    // client's default transport needs them): their code is not in it, only the require calls.
    const text = fs.readFileSync(path.join(REPO, 'dist', 'vnet-driver.bundle.js'), 'utf8');
    for (const marker of ['ERR_BAD_RESPONSE', 'commander.unknownOption']) assert.ok(!text.includes(marker), `${marker} in the bundle`);
    assert.ok(text.includes('require("commander")'), 'the CLI requires commander from node_modules');
    // What the driver loaded, reported at exit by a preload (builtins and files).
    const probe = path.join(T, 'probe.js');
    fs.writeFileSync(probe, `process.on('exit', () => require('node:fs').writeSync(2, 'LOADED ' + JSON.stringify([...process.moduleLoadList, ...Object.keys(require.cache)]) + '\\n'));\n`);
    const http = await import('node:http');
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const network = req.method === 'GET' && /^\/api\/networks\/nw-launch/.test(req.url ?? '');
      res.writeHead(network ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(network
        ? { uuid: 'nw-launch', display_name: 'l', ipv4_network: '10.2.0.0', ipv4_prefix: 24, network_mode: 'virtual' }
        : { error: 'Vnet::Endpoints::Errors::UnknownUUIDResource', message: 'not found', code: '100' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const netns = path.join(T, 'no-such-netns');
      const stdin = JSON.stringify({
        cniVersion: '0.2.0', name: 'nw-launch', type: 'vnet-driver', bridge: 'brl', stateDir: path.join(T, 'state'),
        openvnet: { url: `http://127.0.0.1:${port}`, datapath: 'dp-launch', dpid: '0x2', retries: 0 },
        args: { 'org.apache.mesos': { network_info: { name: 'nw-launch', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.2.0.9' }] } } },
      });
      const env = (cmd: string): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH, CNI_COMMAND: cmd, CNI_CONTAINERID: 'launch', CNI_NETNS: netns, CNI_IFNAME: 'eth0', VNET_DRIVER_TRACE: '1', NODE_OPTIONS: `--require ${probe}`,
      });
      const add = await sh(process.execPath, [DRIVER_BIN], { env: env('ADD'), input: stdin });
      assert.equal(JSON.parse(add.stdout).code, 3, add.stdout);
      const del = await sh(process.execPath, [DRIVER_BIN], { env: env('DEL'), input: stdin });
      assert.equal(del.code, 0, del.stdout + del.stderr);
      assert.deepEqual(requests.map((r) => r.replace(/if-[0-9a-f]+/, 'if-*')), ['GET /api/networks/nw-launch', 'DELETE /api/interfaces/if-*']);
      for (const r of [add, del]) {
        assert.match(r.stderr, /loaded \(bundle\)/);
        const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
        assert.ok(line !== undefined, r.stderr);
        const loaded = JSON.parse(line.slice('LOADED '.length)) as string[];
        assert.ok(loaded.includes('NativeModule http'), 'the probe sees the OpenVNet request\'s http');
        for (const m of loaded) assert.doesNotMatch(m, /\/node_modules\/(axios|commander)\/|^NativeModule (crypto|undici)$/);
      }
    } finally {
      server.close();
    }
  });
});
