// The thin plugin and `vnet-driver daemon` (driver/daemon/server.ts, driver/bin/daemon-client.js),
// through both of the plugin's transports (pipe binding, node:net), and when the build made
// dist/bin/vnet-driver run by bun through that too (Bun.connect, bun's node:net): the same answers as in-process, a root-only socket, a dead daemon's socket falls back to
// in-process, a daemon that took a request but does not answer gives code 11 within the
// deadline (and never runs that request later), bounded bad requests. Daemons are started with
// private sockets under the fixture's dir and stopped by PID; nothing is left.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  BUN_PLUGIN, bunPluginRuntime, cniEnv, driverConf, driverLinks, mesosStdin, NetFixture, PATH_ENV, runDriver, startDriverDaemon, startVnet, stateLeftovers, staticInfo, tearDown,
  type DriverDaemon, type Vnet,
} from './driver-fixture';
import { describeNeeding } from '../helpers/requires';

/** One raw request on the socket: the daemon's answer text ('' when it closed without one). */
function rawRequest(socket: string, body: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection({ path: socket, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    c.on('connect', () => c.end(body));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    c.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    c.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(e)));
  });
}

/** The thin plugin's two transports: node's pipe binding (default where it has the known shape) and node:net. */
const NET_CLIENT = { VNET_DRIVER_DAEMON_CLIENT: 'net' };
/** And, when the build made dist/bin/vnet-driver run by bun, that plugin with both of its transports (Bun.connect, bun's node:net). */
const HAVE_BUN = bunPluginRuntime() !== null;
const CLIENTS: Record<string, string>[] = [{}, NET_CLIENT, ...(HAVE_BUN ? [BUN_PLUGIN, { ...BUN_PLUGIN, ...NET_CLIENT }] : [])];

describeNeeding(['root', 'netns'], 'driver: thin plugin through vnet-driver daemon (integration, linux bridge)', function () {
  this.timeout(120000);
  let fx: NetFixture;
  let vnet: Vnet;
  const daemons: DriverDaemon[] = [];

  before(async () => {
    fx = await NetFixture.create('linux');
    vnet = await startVnet();
  });

  after(async () => {
    for (const d of daemons) {
      try {
        process.kill(d.pid, 'SIGCONT');
      } catch {
        // gone
      }
      await d.stop().catch(() => undefined);
    }
    await tearDown(fx, vnet);
  });

  async function daemon(tag: string): Promise<DriverDaemon> {
    const d = await startDriverDaemon(path.join(fx.W, `run-${tag}`));
    daemons.push(d);
    return d;
  }

  it('answers ADD, CHECK and DEL exactly as the in-process plugin does; root-only socket; one daemon per socket', async () => {
    const d = await daemon('a');
    const st = fs.statSync(d.socket);
    assert.equal(st.mode & 0o777, 0o600, 'socket mode');
    assert.equal(fs.statSync(path.dirname(d.socket)).mode & 0o777, 0o700, 'run dir mode');
    await assert.rejects(startDriverDaemon(path.dirname(d.socket)), /another daemon listens/);

    const ns = await fx.netns('a');
    const cid = `dm-a-${fx.R}`;
    const stdin = mesosStdin(driverConf(fx, vnet, 'nw-vnet3', { cniVersion: '0.4.0' }), staticInfo('nw-vnet3', 'eth0', '192.168.0.31/24', { 'vnet.gateway': '192.168.0.1' }));
    const outputs: Record<string, string[]> = {};
    const vias = ['daemon', 'daemon, net client', ...(HAVE_BUN ? ['daemon, bun plugin', 'daemon, bun plugin, net client', 'in-process, bun plugin'] : []), 'in-process'];
    for (const via of vias) {
      const extra = via === 'daemon' ? { VNET_DRIVER_SOCKET: d.socket }
        : via === 'daemon, net client' ? { VNET_DRIVER_SOCKET: d.socket, ...NET_CLIENT }
          : via === 'daemon, bun plugin' ? { VNET_DRIVER_SOCKET: d.socket, ...BUN_PLUGIN }
            : via === 'daemon, bun plugin, net client' ? { VNET_DRIVER_SOCKET: d.socket, ...BUN_PLUGIN, ...NET_CLIENT }
            : via === 'in-process, bun plugin' ? { VNET_DRIVER_DAEMON: 'off', VNET_DRIVER_SOCKET: d.socket, ...BUN_PLUGIN }
              : { VNET_DRIVER_DAEMON: 'off', VNET_DRIVER_SOCKET: d.socket };
      const add = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), ...extra }, stdin);
      assert.equal(add.code, 0, add.stdout + add.stderr);
      const check = await runDriver({ ...cniEnv('CHECK', cid, ns, 'eth0'), ...extra }, { ...stdin, prevResult: add.json });
      const dup = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), ...extra }, { ...stdin, bridge: 'no/such' });
      const del = await runDriver({ ...cniEnv('DEL', cid, ns, 'eth0'), ...extra }, stdin);
      const ver = await runDriver({ ...extra, CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
      for (const r of [check, del, ver]) assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(dup.code, 1);
      outputs[via] = [add, check, dup, del, ver].map((r) => `${r.code} ${r.stdout}`);
      assert.deepEqual(stateLeftovers(fx.stateDir), []);
      assert.deepEqual(await driverLinks(fx), []);
    }
    for (const via of vias) assert.deepEqual(outputs[via], outputs['in-process'], via);
    // The daemon served the daemon rounds (4 calls each) and nothing of the in-process ones.
    const served = vias.filter((v) => v.startsWith('daemon')).length * 4;
    assert.equal((d.log().match(new RegExp(`(ADD|CHECK|DEL) ${cid} eth0`, 'g')) ?? []).length, served, d.log());
    // The pipe binding is deprecated API: no warning on stderr, none thrown, even when asked for.
    const strict = await runDriver({ CNI_COMMAND: 'VERSION', VNET_DRIVER_SOCKET: d.socket, NODE_OPTIONS: '--pending-deprecation --throw-deprecation' }, '{"cniVersion":"1.0.0"}');
    assert.equal(strict.code, 0, strict.stdout + strict.stderr);
    assert.equal(strict.stderr, '');
    assert.equal((d.log().match(/VERSION/g) ?? []).length, served / 4 + 1, d.log());
    await d.stop();
  });

  it('a dead daemon (socket left, nobody listening) falls back to in-process; a new daemon clears the stale socket', async () => {
    const d = await daemon('b');
    process.kill(d.pid, 'SIGKILL');
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        try {
          process.kill(d.pid, 0);
          setImmediate(poll);
        } catch {
          resolve();
        }
      };
      poll();
    });
    assert.ok(fs.existsSync(d.socket), 'SIGKILL leaves the socket file');
    const ns = await fx.netns('b');
    const cid = `dm-b-${fx.R}`;
    const stdin = mesosStdin(driverConf(fx, vnet, 'nw-vnet3'), staticInfo('nw-vnet3', 'eth0', '192.168.0.32/24'));
    for (const client of CLIENTS) {
      const add = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), VNET_DRIVER_SOCKET: d.socket, ...client }, stdin);
      assert.equal(add.code, 0, add.stdout + add.stderr);
      const del = await runDriver({ ...cniEnv('DEL', cid, ns, 'eth0'), VNET_DRIVER_SOCKET: d.socket, ...client }, stdin);
      assert.equal(del.code, 0, del.stdout + del.stderr);
      assert.deepEqual(await driverLinks(fx), []);
    }
    const again = await startDriverDaemon(path.dirname(d.socket));
    daemons.push(again);
    const ver = await runDriver({ CNI_COMMAND: 'VERSION', VNET_DRIVER_SOCKET: again.socket }, '{}');
    assert.equal(ver.code, 0);
    assert.match(again.log(), /VERSION/);
    await again.stop();
  });

  it('a socket path that is no socket (a file, under a file, missing) runs in-process with every plugin', async () => {
    const file = path.join(fx.W, 'not-a-socket');
    fs.writeFileSync(file, '');
    for (const sock of [file, path.join(file, 'x'), path.join(fx.W, 'missing.sock')]) {
      for (const client of CLIENTS) {
        const ver = await runDriver({ CNI_COMMAND: 'VERSION', VNET_DRIVER_SOCKET: sock, ...client }, '{"cniVersion":"0.4.0"}');
        assert.equal(ver.code, 0, `${sock} ${JSON.stringify(client)}: ${ver.stdout}${ver.stderr}`);
        assert.equal((ver.json as { cniVersion?: string } | null)?.cniVersion, '0.4.0');
      }
    }
  });

  it('a daemon that took the request but does not answer: code 11 naming it within the deadline, the request is never run later', async () => {
    const d = await daemon('c');
    process.kill(d.pid, 'SIGSTOP'); // the kernel still accepts connections into its backlog
    const ns = await fx.netns('c');
    const cid = `dm-c-${fx.R}`;
    const stdin = mesosStdin(driverConf(fx, vnet, 'nw-vnet3', { deadlineMs: 1000 }), staticInfo('nw-vnet3', 'eth0', '192.168.0.33/24'));
    for (const client of CLIENTS) {
      const t0 = Date.now();
      const add = await runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), VNET_DRIVER_SOCKET: d.socket, ...client }, stdin);
      const took = Date.now() - t0;
      assert.equal(add.code, 1, add.stdout + add.stderr);
      const err = add.json as { code: number; msg: string; details: string };
      assert.equal(err.code, 11);
      assert.ok(err.details.includes(d.socket), add.stdout);
      assert.ok(took >= 2000 && took < 10000, `answered after ${took} ms (deadlineMs 1000 + 1000 grace)`);
      assert.deepEqual(await driverLinks(fx), [], 'not run in-process meanwhile');
    }
    process.kill(d.pid, 'SIGCONT');
    // Requests are taken in order: once this one is answered, the stale ADD has been seen.
    const ver = await runDriver({ CNI_COMMAND: 'VERSION', VNET_DRIVER_SOCKET: d.socket }, '{}');
    assert.equal(ver.code, 0, ver.stdout);
    assert.deepEqual(await driverLinks(fx), [], 'the ADD the plugin gave up on was dropped');
    assert.doesNotMatch(d.log(), new RegExp(`ADD ${cid}`));
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
    await d.stop();
  });

  it('SIGTERM: the daemon finishes and answers the call it is running, then exits and removes its socket', async () => {
    // Its `ip` is a stub that marks it started and hangs: the ADD ends at commandTimeoutMs.
    const stubs = path.join(fx.W, 'stubs-e');
    fs.mkdirSync(stubs);
    const started = path.join(fx.W, 'ip-started');
    fs.writeFileSync(path.join(stubs, 'ip'), `#!/bin/sh\ntouch ${started}\nexec sleep 120.${process.pid}\n`, { mode: 0o755 });
    const d = await startDriverDaemon(path.join(fx.W, 'run-e'), { PATH: `${stubs}:${PATH_ENV}` });
    daemons.push(d);
    const ns = await fx.netns('e');
    const cid = `dm-e-${fx.R}`;
    const stdin = mesosStdin(driverConf(fx, vnet, 'nw-vnet3', { commandTimeoutMs: 1500 }), staticInfo('nw-vnet3', 'eth0', '192.168.0.35/24'));
    const add = runDriver({ ...cniEnv('ADD', cid, ns, 'eth0'), VNET_DRIVER_SOCKET: d.socket }, stdin);
    await new Promise<void>((resolve) => {
      const poll = (): void => (fs.existsSync(started) ? resolve() : void setTimeout(poll, 20));
      poll();
    });
    process.kill(d.pid, 'SIGTERM');
    const r = await add;
    assert.equal(r.code, 1, r.stdout);
    assert.equal((r.json as { code: number }).code, 100, `the daemon's own answer: ${r.stdout}`);
    assert.match(r.stdout, /timed out/);
    await d.stop();
    const del = await runDriver(cniEnv('DEL', cid, ns, 'eth0'), stdin);
    assert.equal(del.code, 0, del.stdout);
    assert.deepEqual(stateLeftovers(fx.stateDir), []);
    assert.deepEqual(await driverLinks(fx), []);
  });

  it('bad requests get a bounded CNI error and change nothing', async () => {
    const d = await daemon('d');
    const big = await rawRequest(d.socket, Buffer.alloc((1 << 20) + 10, 0x20));
    assert.equal((JSON.parse(JSON.parse(big).stdout) as { code: number }).code, 7, big);
    for (const body of ['not json', '[]', '{"v":1,"env":{"PATH":"/tmp"},"stdin":"","deadlineAt":1e15}', '{"v":2}']) {
      const r = JSON.parse(await rawRequest(d.socket, body)) as { stdout: string; exitCode: number };
      assert.equal(r.exitCode, 1);
      assert.equal((JSON.parse(r.stdout) as { code: number }).code, 4, body);
    }
    const ver = await runDriver({ CNI_COMMAND: 'VERSION', VNET_DRIVER_SOCKET: d.socket }, '{}');
    assert.equal(ver.code, 0, 'the daemon still serves');
    await d.stop();
  });
});
