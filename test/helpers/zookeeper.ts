// Real ZooKeeper servers for integration tests (spec/test-infra.md §3): a standalone server or an
// ensemble on 127.0.0.1, free ports, a private directory per run, readiness by `srvr` → `Mode:`
// over a plain TCP socket, processes stopped by pid.
//
//   const zk = await startEnsemble(3);
//   zk.connectString            // 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
//   await zk.kill(0);           // SIGKILL member 0
//   await zk.restart(0);        // same config and data, waits until it serves again
//   await zk.stop();            // in after(): kills everything, removes the directory

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './ports';

const CLASSPATH = '/usr/share/java/slf4j-simple.jar:/usr/share/java/zookeeper.jar';
const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';

export interface ZooKeeperOptions {
  /** Ticks drive session bounds: minSessionTimeout = 2 ticks unless set. Default 500 ms. */
  tickTimeMs?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
  /** How long start/restart wait for `Mode:`. Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface ZooKeeperMember {
  /** 1-based server id (myid). */
  id: number;
  clientPort: number;
  dir: string;
  process: ChildProcess | undefined;
}

export interface ZooKeeperCluster {
  readonly runId: string;
  readonly dir: string;
  readonly members: ZooKeeperMember[];
  /** All members, comma-separated, for a client. */
  readonly connectString: string;
  /** `zk://<connectString><chroot>` */
  url(chroot: string, auth?: { user: string; password: string }): string;
  /** Stops member `index` (0-based) with SIGKILL (default) or another signal and waits for its exit. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped member again; with `waitServing` (default) waits for `Mode:`. */
  restart(index: number, waitServing?: boolean): Promise<void>;
  /** `srvr` of member `index` ('' when it does not answer). */
  srvr(index: number): Promise<string>;
  /** PIDs still running. */
  alivePids(): number[];
  /** Kills every member and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

export function zooKeeperAvailable(): boolean {
  return fs.existsSync(ZOOKEEPER_JAR);
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}


/** Sends a four-letter word and returns the whole answer ('' on any error). */
export function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = () => {
      socket.destroy();
      resolve(out);
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => {
      out += chunk.toString('utf8');
    });
    socket.on('error', () => {
      out = '';
      done();
    });
    socket.on('close', done);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function startCluster(size: number, options: ZooKeeperOptions): Promise<ZooKeeperCluster> {
  installExitHook();
  const runId = randomBytes(3).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zk-${runId}-`));
  const tick = options.tickTimeMs ?? 500;
  const readyTimeout = options.readyTimeoutMs ?? 30_000;
  const ports: Array<{ client: number; quorum: number; election: number }> = [];
  const taken = new Set<number>();
  const pick = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  for (let i = 0; i < size; i++) ports.push({ client: await pick(), quorum: await pick(), election: await pick() });

  const members: ZooKeeperMember[] = ports.map((p, i) => {
    const id = i + 1;
    const memberDir = path.join(dir, String(id));
    fs.mkdirSync(path.join(memberDir, 'data'), { recursive: true });
    const lines = [
      `tickTime=${tick}`,
      `minSessionTimeout=${options.minSessionTimeoutMs ?? 2 * tick}`,
      `maxSessionTimeout=${options.maxSessionTimeoutMs ?? 20 * tick}`,
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${path.join(memberDir, 'data')}`,
      `clientPort=${p.client}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,stat,mntr,conf,ruok',
    ];
    if (size > 1) {
      fs.writeFileSync(path.join(memberDir, 'data', 'myid'), `${id}\n`);
      ports.forEach((q, j) => lines.push(`server.${j + 1}=127.0.0.1:${q.quorum}:${q.election}`));
    }
    fs.writeFileSync(path.join(memberDir, 'zoo.cfg'), lines.join('\n') + '\n');
    return { id, clientPort: p.client, dir: memberDir, process: undefined };
  });

  const launch = (m: ZooKeeperMember) => {
    const log = fs.openSync(path.join(m.dir, 'zk.log'), 'a');
    const child = spawn(
      'java',
      [
        '-Xmx256m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-cp',
        CLASSPATH,
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        'org.apache.zookeeper.server.quorum.QuorumPeerMain',
        path.join(m.dir, 'zoo.cfg'),
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    m.process = child;
  };

  const waitServing = async (m: ZooKeeperMember) => {
    const deadline = Date.now() + readyTimeout;
    while (Date.now() < deadline) {
      if (!m.process || m.process.exitCode !== null) {
        const log = fs.readFileSync(path.join(m.dir, 'zk.log'), 'utf8').slice(-2000);
        throw new Error(`ZooKeeper member ${m.id} exited during start:\n${log}`);
      }
      const answer = await fourLetterWord(m.clientPort, 'srvr', 500);
      if (/^Mode: (standalone|leader|follower)/m.test(answer)) return;
      await sleep(50);
    }
    throw new Error(`ZooKeeper member ${m.id} (port ${m.clientPort}) not serving after ${readyTimeout} ms`);
  };

  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const m = members[index];
    const child = m.process;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (!(await waitExit(child, 5000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
      }
    }
    m.process = undefined;
  };

  const cluster: ZooKeeperCluster = {
    runId,
    dir,
    members,
    connectString: members.map((m) => `127.0.0.1:${m.clientPort}`).join(','),
    url(chroot, auth) {
      const userinfo = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : '';
      return `zk://${userinfo}${this.connectString}${chroot}`;
    },
    kill,
    async restart(index, wait = true) {
      const m = members[index];
      if (m.process) await kill(index);
      launch(m);
      if (wait) await waitServing(m);
    },
    srvr: (index) => fourLetterWord(members[index].clientPort, 'srvr'),
    alivePids: () => members.flatMap((m) => (m.process && m.process.exitCode === null && m.process.pid ? [m.process.pid] : [])),
    async stop() {
      await Promise.all(members.map((_, i) => kill(i, 'SIGTERM')));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    members.forEach(launch);
    await Promise.all(members.map(waitServing));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** One standalone server. */
export function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperCluster> {
  return startCluster(1, options);
}

/** An ensemble of `size` members (3 by default) on 127.0.0.1. */
export function startEnsemble(size = 3, options: ZooKeeperOptions = {}): Promise<ZooKeeperCluster> {
  if (size < 2) throw new Error('an ensemble needs at least 2 members; use startZooKeeper()');
  return startCluster(size, options);
}

/**
 * Expires a live session the way a long partition would: a raw connection takes the session
 * over (id + password) and closes it in the same write. The owner's client reconnects at once
 * and may win the session back before the close lands, so this repeats until the server answers
 * a takeover with "expired". The owner's next reconnect is told SESSION_EXPIRED.
 */
export async function expireSession(connectString: string, session: { id: Buffer; password: Buffer }): Promise<void> {
  interface JuteRequest {
    toBuffer(): Buffer;
  }
  interface Jute {
    PROTOCOL_VERSION: number;
    OP_CODES: { CLOSE_SESSION: number };
    Request: new (header: unknown, payload: unknown) => JuteRequest;
    protocol: {
      ConnectRequest: new (version: number, zxid: Buffer, timeout: number, id: Buffer, password: Buffer) => unknown;
      RequestHeader: new () => { xid: number; type: number };
    };
  }
  // The client library's own wire codec (no public API for this).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const jute = require('node-zookeeper-client/lib/jute') as Jute;
  const connect = new jute.Request(null, new jute.protocol.ConnectRequest(jute.PROTOCOL_VERSION, Buffer.alloc(8), 30_000, session.id, session.password));
  const header = new jute.protocol.RequestHeader();
  header.xid = 1;
  header.type = jute.OP_CODES.CLOSE_SESSION;
  const close = new jute.Request(header, null);
  const [host, port] = connectString.split(',')[0].split(':');

  /** Negotiated timeout of the takeover: <= 0 means the session was already gone. */
  const attempt = () =>
    new Promise<number>((resolve, reject) => {
      const socket = net.connect({ host, port: Number(port) });
      let received = Buffer.alloc(0);
      let timeout: number | undefined;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('expireSession: no answer'));
      }, 10_000);
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(timeout ?? 1); // hung up before answering: unknown, try again
      };
      socket.on('connect', () => socket.write(Buffer.concat([connect.toBuffer(), close.toBuffer()])));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // ConnectResponse: length, protocolVersion, timeOut, …
        if (timeout === undefined && received.length >= 12) timeout = received.readInt32BE(8);
        let frames = 0;
        for (let offset = 0; offset + 4 <= received.length; offset += 4 + received.readInt32BE(offset)) {
          if (offset + 4 + received.readInt32BE(offset) <= received.length) frames++;
        }
        if (timeout !== undefined && (timeout <= 0 || frames >= 2)) finish();
      });
      socket.on('error', () => undefined);
      socket.on('close', finish);
    });

  for (let i = 0; i < 50; i++) {
    if ((await attempt()) <= 0) return;
    await sleep(20);
  }
  throw new Error('expireSession: the session kept coming back');
}
