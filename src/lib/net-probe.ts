// One HTTP(S) GET or TCP connect health probe in this process's network namespace: status
// 200–399 is healthy (certificates not verified, like `curl -k`), a TCP connect is healthy. Shared
// by Marathon-style health checks (src/runtime) and the simulated Mesos executor (src/sim/mesos),
// which runs this file's `main` under `ip netns exec <ns>` to probe inside a task's namespace.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface NetProbe { kind: 'http' | 'tcp'; host: string; port: number; scheme?: string; path?: string; timeoutMs: number }

/** One attempt in this process's network namespace. */
export function probeHere(p: NetProbe): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean): void => { if (!settled) { settled = true; clearTimeout(timer); resolve(ok); } };
    const timer = setTimeout(() => { done(false); cleanup(); }, p.timeoutMs);
    let cleanup: () => void = () => undefined;
    if (p.kind === 'tcp') {
      const sock = net.connect({ host: p.host, port: p.port });
      cleanup = () => sock.destroy();
      sock.once('connect', () => { done(true); sock.destroy(); });
      sock.once('error', () => done(false));
      return;
    }
    const path = p.path === undefined || p.path === '' ? '/' : p.path.startsWith('/') ? p.path : `/${p.path}`;
    const mod = p.scheme === 'https' ? https : http;
    const req = mod.request({ host: p.host, port: p.port, path, method: 'GET', rejectUnauthorized: false, agent: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      done(code >= 200 && code < 400);
    });
    cleanup = () => req.destroy();
    req.once('error', () => done(false));
    req.end();
  });
}

/** `node net-probe.js '<NetProbe JSON>'`: exit 0 healthy, 1 not, 2 bad argument. */
async function main(): Promise<void> {
  let p: NetProbe;
  try {
    p = JSON.parse(process.argv[2] ?? '') as NetProbe;
    if ((p.kind !== 'http' && p.kind !== 'tcp') || typeof p.port !== 'number' || typeof p.host !== 'string') throw new Error('bad probe');
  } catch {
    process.exit(2);
  }
  process.exit((await probeHere(p)) ? 0 : 1);
}

if (require.main === module) void main();
