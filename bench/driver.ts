// vnet-driver ADD+DEL latency for one static interface, against Debian's reference `bridge`
// plugin with `host-local` IPAM run the same way (fresh process, CNI env, config on stdin, in the
// same private host namespace) in the same run, interleaved. Reported: median and p95 per
// variant and the ratio to the reference. Variants: Linux bridge with OpenVNet registration
// (embedded webapi on loopback), Linux bridge without OpenVNet, and Open vSwitch (userspace
// datapath) with OpenVNet; Debian ships no OVS plugin, so the OVS row is compared with the same
// reference bridge plugin. Env: MVN_BENCH_DRIVER_ITER (default 30).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cniEnv, driverConf, mesosStdin, must, NetFixture, PATH_ENV, runDriver, sh, startVnet, staticInfo, type Vnet,
} from '../test/integration/driver-fixture';

const ITER = Number(process.env.MVN_BENCH_DRIVER_ITER ?? 30);
const WARMUP = 3;

interface Stats { median: number; p95: number }

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
}

type Op = () => Promise<void>;

async function timed(op: Op): Promise<number> {
  const t = performance.now();
  await op();
  return performance.now() - t;
}

/** ADD then DEL through our driver, exactly as Mesos runs it. */
function oursOp(conf: Record<string, unknown>, netns: string, cid: string): Op {
  const stdin = mesosStdin(conf, staticInfo(String(conf.name), 'eth0', '192.168.0.10/24'));
  return async () => {
    const add = await runDriver(cniEnv('ADD', cid, netns, 'eth0'), stdin);
    if (add.code !== 0) throw new Error(`vnet-driver ADD: ${add.stdout}${add.stderr}`);
    const del = await runDriver(cniEnv('DEL', cid, netns, 'eth0'), stdin);
    if (del.code !== 0) throw new Error(`vnet-driver DEL: ${del.stdout}${del.stderr}`);
  };
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
  return async () => {
    await call('ADD');
    await call('DEL');
  };
}

async function compare(label: string, ours: Op, reference: Op): Promise<string[]> {
  for (let i = 0; i < WARMUP; i++) {
    await ours();
    await reference();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ITER; i++) {
    a.push(await timed(ours));
    b.push(await timed(reference));
  }
  const o = stats(a);
  const r = stats(b);
  return [
    `${label}`,
    `  vnet-driver ADD+DEL     median ${o.median.toFixed(1)} ms, p95 ${o.p95.toFixed(1)} ms`,
    `  bridge+host-local       median ${r.median.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`,
    `  ratio                   median ${(o.median / r.median).toFixed(2)}x, p95 ${(o.p95 / r.p95).toFixed(2)}x of the reference`,
  ];
}

export async function run(): Promise<void> {
  const lines: string[] = [`iterations ${ITER} (after ${WARMUP} warm-up), each a fresh process per command, interleaved`];
  let vnet: Vnet | null = null;
  const fixtures: NetFixture[] = [];
  try {
    vnet = await startVnet();
    const lx = await NetFixture.create('linux');
    fixtures.push(lx);
    const ns = await lx.netns('c');
    const refNs = await lx.netns('r');
    const ref = referenceOp(lx, lx.bridge, refNs, `ref-${lx.R}`);
    lines.push(...await compare('Linux bridge, static address, OpenVNet registration', oursOp(driverConf(lx, vnet, 'nw-vnet3'), ns, `bench-${lx.R}`), ref));
    lines.push(...await compare('Linux bridge, static address, no OpenVNet', oursOp(driverConf(lx, null, 'nw-bench', { subnet: '192.168.0.0/24' }), ns, `bench2-${lx.R}`), ref));

    const ovs = await NetFixture.create('ovs');
    fixtures.push(ovs);
    const refBridge = `vl${ovs.R}`;
    await must('ip', ['-n', ovs.hostNs, 'link', 'add', refBridge, 'type', 'bridge']);
    await must('ip', ['-n', ovs.hostNs, 'link', 'set', refBridge, 'up']);
    const ons = await ovs.netns('c');
    const orefNs = await ovs.netns('r');
    lines.push(...await compare('Open vSwitch (netdev), static address, OpenVNet registration (reference: bridge plugin on a Linux bridge)',
      oursOp(driverConf(ovs, vnet, 'nw-vnet3'), ons, `bench3-${ovs.R}`), referenceOp(ovs, refBridge, orefNs, `oref-${ovs.R}`)));
  } finally {
    await vnet?.close();
    for (const f of fixtures) {
      await f.cleanup();
      fs.rmSync(f.W, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
