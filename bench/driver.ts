// vnet-driver ADD+DEL latency for one static interface, against Debian's reference `bridge`
// plugin with `host-local` IPAM run the same way (fresh process, CNI env, config on stdin, in the
// same private host namespace) in the same run, interleaved. Reported: median and p95 of ADD+DEL
// per variant, the ADD and DEL medians, the ratio to the reference, and the CPU time (user +
// system, the driver and every program it ran) per ADD+DEL, which a busy machine disturbs less
// than wall time. Variants: Linux bridge with OpenVNet registration (embedded webapi on
// loopback), Linux bridge without OpenVNet, and Open vSwitch (userspace datapath) with OpenVNet;
// Debian ships no OVS plugin, so the OVS row is compared with the same reference bridge plugin.
// The floor (two bare `node -e 0` starts, interleaved in the same run) shows what start-up alone
// costs against the reference; when the build's plugin file runs bun, bun's floor (two bare
// `bun -e 0`) is printed beside it and each variant also runs "via daemon (bun plugin)".
// Each variant also runs "via daemon": the thin plugin handing ADD and DEL to a `vnet-driver daemon` started for the bench; its CPU is the plugin processes'
// plus the daemon's own delta over the ADD+DEL (/proc/<pid>/stat utime + stime + cutime +
// cstime, so the programs it ran count too), printed split into the three.
// Env: MVN_BENCH_DRIVER_ITER (default 30); MVN_BENCH_DRIVER_ENTRY=bundle (default: the one-file
// bundle with its code cache, rebuilt first when stale) or tsc (dist/driver/main.js, as before
// the bundle existed).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BUN_PLUGIN, bunPluginRuntime, cniEnv, DRIVER_BIN, driverConf, mesosStdin, must, NetFixture, PATH_ENV, REPO, runDriver, sh, startDriverDaemon, startVnet, staticInfo,
  type DriverDaemon, type Vnet,
} from '../test/integration/driver-fixture';

const ITER = Number(process.env.MVN_BENCH_DRIVER_ITER ?? 30);
const WARMUP = 3;

const ENTRY = process.env.MVN_BENCH_DRIVER_ENTRY === 'tsc' ? 'tsc' : 'bundle';
const ENTRY_ENV: Record<string, string> = ENTRY === 'tsc' ? { VNET_DRIVER_NO_BUNDLE: '1' } : {};

interface Stats { median: number; p95: number }

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
}

/** One ADD+DEL: wall time of each half. */
type Op = () => Promise<{ add: number; del: number }>;

/** CPU (ms) outside the plugin processes: the daemon's own (its JS) and that of the programs it ran. */
interface Elsewhere { own: number; programs: number }

/** An ADD+DEL variant of ours; `cpuElsewhere` counts CPU outside the plugin processes (the daemon's). */
interface Ours { name: string; op: Op; cpuElsewhere?: () => Elsewhere }

/** CPU (user + system, ms) of the children this process has waited for: /proc/self/stat cutime + cstime. */
function childrenCpuMs(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

async function half(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * CPU (ms) of a daemon and every program it has waited for: /proc/<pid>/stat utime + stime +
 * cutime + cstime.
 */
function processCpuMs(pid: number): Elsewhere {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { own: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100, programs: ((Number(fields[13]) + Number(fields[14])) * 1000) / 100 };
}

/**
 * ADD then DEL through our driver, exactly as Mesos runs it (with `daemon`: the thin plugin handing
 * both to it; with `bun`: the plugin file the build made, dist/bin/vnet-driver, run by bun).
 */
function oursOp(conf: Record<string, unknown>, netns: string, cid: string, daemon?: DriverDaemon, bun = false): Op {
  const stdin = mesosStdin(conf, staticInfo(String(conf.name), 'eth0', '192.168.0.10/24'));
  const via = { ...(daemon === undefined ? { VNET_DRIVER_DAEMON: 'off' } : { VNET_DRIVER_SOCKET: daemon.socket }), ...(bun ? BUN_PLUGIN : {}) };
  const call = async (cmd: string): Promise<void> => {
    const r = await runDriver({ ...cniEnv(cmd, cid, netns, 'eth0'), ...ENTRY_ENV, ...via }, stdin);
    if (r.code !== 0) throw new Error(`vnet-driver ${cmd}: ${r.stdout}${r.stderr}`);
  };
  return async () => ({ add: await half(() => call('ADD')), del: await half(() => call('DEL')) });
}

/** ADD then DEL through /usr/lib/cni/bridge + host-local inside the host namespace. */
function referenceOp(fx: NetFixture, bridge: string, netns: string, cid: string): Op {
  const conf = JSON.stringify({
    cniVersion: '0.2.0', name: `ref${fx.R}`, type: 'bridge', bridge, isGateway: false, ipMasq: false,
    ipam: { type: 'host-local', subnet: '192.168.0.0/24', rangeStart: '192.168.0.20', rangeEnd: '192.168.0.200', dataDir: path.join(fx.W, 'ipam') },
  });
  const call = async (cmd: string): Promise<void> => {
    const r = await sh('nsenter', [`--net=${fx.hostNsPath}`, '/usr/lib/cni/bridge'], {
      input: conf, env: { PATH: PATH_ENV, CNI_COMMAND: cmd, CNI_CONTAINERID: cid, CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' },
    });
    if (r.code !== 0) throw new Error(`bridge ${cmd}: ${r.stdout}${r.stderr}`);
  };
  return async () => ({ add: await half(() => call('ADD')), del: await half(() => call('DEL')) });
}

interface Sample { add: number[]; del: number[]; total: number[]; cpuMs: number; elsewhereMs: number; programsMs: number }

async function sample(op: Op, into: Sample, cpuElsewhere: () => Elsewhere = () => ({ own: 0, programs: 0 })): Promise<void> {
  const cpu = childrenCpuMs();
  const other = cpuElsewhere();
  const r = await op();
  const after = cpuElsewhere();
  const elsewhere = after.own - other.own + after.programs - other.programs;
  into.cpuMs += childrenCpuMs() - cpu + elsewhere;
  into.elsewhereMs += elsewhere;
  into.programsMs += after.programs - other.programs;
  into.add.push(r.add);
  into.del.push(r.del);
  into.total.push(r.add + r.del);
}

/** A floor: what two bare starts of a runtime cost (an ADD and a DEL are a start each), run the same way. */
function floorOp(runtime: string): Op {
  return async () => {
    const start = async (): Promise<void> => {
      const r = await sh(runtime, ['-e', '0'], { env: { PATH: PATH_ENV } });
      if (r.code !== 0) throw new Error(`${runtime} -e 0: ${r.stderr}`);
    };
    return { add: await half(start), del: await half(start) };
  };
}

/** The bun the build's plugin file runs, when it runs bun. */
const BUN = bunPluginRuntime();
/** node's floor, and bun's beside it when the plugin runs bun. */
const FLOORS: { name: string; op: Op }[] = [
  { name: 'node', op: floorOp(process.execPath) }, ...(BUN === null ? [] : [{ name: 'bun', op: floorOp(BUN) }]),
];

async function compare(label: string, ours: Ours[], reference: Op): Promise<string[]> {
  for (let i = 0; i < WARMUP; i++) {
    for (const o of ours) await o.op();
    await reference();
    for (const fo of FLOORS) await fo.op();
  }
  const empty = (): Sample => ({ add: [], del: [], total: [], cpuMs: 0, elsewhereMs: 0, programsMs: 0 });
  const a = ours.map(empty);
  const b = empty();
  const fs2 = FLOORS.map(empty);
  for (let i = 0; i < ITER; i++) {
    for (const [k, o] of ours.entries()) await sample(o.op, a[k], o.cpuElsewhere);
    await sample(reference, b);
    for (const [k, fo] of FLOORS.entries()) await sample(fo.op, fs2[k]);
  }
  const r = stats(b.total);
  const f = fs2[0];
  const fl = stats(f.total);
  const line = (name: string, x: Sample, s: Stats): string =>
    `  ${name.padEnd(30)}  median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms (ADD ${stats(x.add).median.toFixed(1)}, DEL ${stats(x.del).median.toFixed(1)}), CPU ${(x.cpuMs / ITER).toFixed(0)} ms`;
  const cpuRatio = (x: Sample): string => (x.cpuMs / Math.max(1, b.cpuMs)).toFixed(2);
  const out = [`${label}`];
  for (const [k, o] of ours.entries()) {
    const x = a[k];
    out.push(line(o.name, x, stats(x.total)) + (o.cpuElsewhere === undefined ? ''
      : ` (plugins ${((x.cpuMs - x.elsewhereMs) / ITER).toFixed(0)}, daemon ${((x.elsewhereMs - x.programsMs) / ITER).toFixed(0)}, programs it ran ${(x.programsMs / ITER).toFixed(0)} ms)`));
  }
  out.push(line('bridge+host-local', b, r));
  for (const [k, fo] of FLOORS.entries()) out.push(line(`floor: 2 bare ${fo.name}`, fs2[k], stats(fs2[k].total)));
  for (const [k, o] of ours.entries()) {
    const s = stats(a[k].total);
    out.push(`  ratio ${o.name.padEnd(24)}  median ${(s.median / r.median).toFixed(2)}x, p95 ${(s.p95 / r.p95).toFixed(2)}x, CPU ${cpuRatio(a[k])}x of the reference (goal <= 3x wall, <= 4x CPU)`);
  }
  out.push(`  floor ratio (node)              median ${(fl.median / r.median).toFixed(2)}x, CPU ${cpuRatio(f)}x of the reference; above the floor (in-process): ${(stats(a[0].total).median - fl.median).toFixed(1)} ms, CPU ${((a[0].cpuMs - f.cpuMs) / ITER).toFixed(0)} ms`);
  for (const [k, fo] of FLOORS.entries()) {
    if (k === 0) continue;
    const s = stats(fs2[k].total);
    out.push(`  floor ratio (${fo.name})${' '.repeat(Math.max(1, 18 - fo.name.length))}median ${(s.median / r.median).toFixed(2)}x, CPU ${cpuRatio(fs2[k])}x of the reference`);
  }
  return out;
}

/** Which entry the launcher takes; with ENTRY=bundle a stale bundle is rebuilt first (as the build does). */
async function entryInUse(): Promise<string> {
  const probe = async (): Promise<string> => {
    const r = await runDriver({ CNI_COMMAND: 'VERSION', VNET_DRIVER_TRACE: '1', ...ENTRY_ENV }, '{}');
    return /loaded \(bundle\)/.test(r.stderr) ? 'bundle' : 'tsc output';
  };
  let got = await probe();
  if (ENTRY === 'bundle' && got !== 'bundle') {
    spawnSync(process.execPath, [path.join(REPO, 'src', 'bootstrap', 'bundle-driver.js')], { stdio: 'inherit' });
    got = await probe();
  }
  return got;
}

export async function run(): Promise<void> {
  const entry = await entryInUse();
  const lines: string[] = [
    `iterations ${ITER} (after ${WARMUP} warm-up), each a fresh process per command, interleaved`,
    `vnet-driver entry: ${path.relative(REPO, DRIVER_BIN)} running the ${entry}${entry === 'bundle' ? ' (dist/vnet-driver.bundle.js + V8 code cache)' : ' (dist/driver/main.js)'}`,
    BUN === null ? 'bun plugin: none (dist/bin/vnet-driver runs node; no bun rows)' : `bun plugin: dist/bin/vnet-driver run by ${path.relative(REPO, BUN)}`,
  ];
  let vnet: Vnet | null = null;
  const fixtures: NetFixture[] = [];
  const daemons: DriverDaemon[] = [];
  try {
    vnet = await startVnet();
    const lx = await NetFixture.create('linux');
    fixtures.push(lx);
    const ns = await lx.netns('c');
    const refNs = await lx.netns('r');
    const ref = referenceOp(lx, lx.bridge, refNs, `ref-${lx.R}`);
    const daemon = await startDriverDaemon(path.join(lx.W, 'daemon'));
    daemons.push(daemon);
    const viaDaemon = (conf: Record<string, unknown>, netns: string, cid: string, bun: boolean): Ours => ({
      name: bun ? 'via daemon (bun plugin)' : 'vnet-driver via daemon', op: oursOp(conf, netns, cid, daemon, bun), cpuElsewhere: () => processCpuMs(daemon.pid),
    });
    const both = (conf: Record<string, unknown>, netns: string, cid: string): Ours[] => [
      { name: 'vnet-driver ADD+DEL', op: oursOp(conf, netns, cid) }, viaDaemon(conf, netns, `${cid}d`, false),
      ...(BUN === null ? [] : [viaDaemon(conf, netns, `${cid}b`, true)]),
    ];
    lines.push(...await compare('Linux bridge, static address, OpenVNet registration', both(driverConf(lx, vnet, 'nw-vnet3'), ns, `bench-${lx.R}`), ref));
    lines.push(...await compare('Linux bridge, static address, no OpenVNet', both(driverConf(lx, null, 'nw-bench', { subnet: '192.168.0.0/24' }), ns, `bench2-${lx.R}`), ref));

    const ovs = await NetFixture.create('ovs');
    fixtures.push(ovs);
    const refBridge = `vl${ovs.R}`;
    await must('ip', ['-n', ovs.hostNs, 'link', 'add', refBridge, 'type', 'bridge']);
    await must('ip', ['-n', ovs.hostNs, 'link', 'set', refBridge, 'up']);
    const ons = await ovs.netns('c');
    const orefNs = await ovs.netns('r');
    lines.push(...await compare('Open vSwitch (netdev), static address, OpenVNet registration (reference: bridge plugin on a Linux bridge)',
      both(driverConf(ovs, vnet, 'nw-vnet3'), ons, `bench3-${ovs.R}`), referenceOp(ovs, refBridge, orefNs, `oref-${ovs.R}`)));
  } finally {
    for (const d of daemons) await d.stop();
    await vnet?.close();
    for (const f of fixtures) {
      await f.cleanup();
      fs.rmSync(f.W, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
