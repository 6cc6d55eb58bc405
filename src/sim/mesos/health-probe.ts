// One health check attempt, as the Mesos executor makes it: HTTP(S) GET of
// `scheme://127.0.0.1:port/path` (status 200–399 is healthy, certificates not verified, like
// `curl -k`), a TCP connect to 127.0.0.1:port (::1 for IPv6), or the COMMAND through `/bin/sh -c`
// with the task's environment (exit 0 is healthy). Each attempt has the check's timeout. With a
// namespace prefix (local mode: `ip netns exec <ns>`) the attempt runs inside the task's network
// namespace: HTTP/TCP by running src/lib/net-probe's `main` under the prefix, the command under it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { HealthCheck } from '../../mesos/types';
import { probeHere, type NetProbe } from '../../lib/net-probe';

export type { NetProbe };

export function netProbeOf(check: HealthCheck, timeoutMs: number): NetProbe | undefined {
  if (check.type === 'HTTP' && check.http !== undefined) {
    const host = check.http.protocol === 'IPv6' ? '::1' : '127.0.0.1';
    return { kind: 'http', host, port: check.http.port, scheme: check.http.scheme ?? 'http', path: check.http.path ?? '', timeoutMs };
  }
  if (check.type === 'TCP' && check.tcp !== undefined) {
    return { kind: 'tcp', host: check.tcp.protocol === 'IPv6' ? '::1' : '127.0.0.1', port: check.tcp.port, timeoutMs };
  }
  return undefined;
}

/** The compiled net-probe module, run as a program inside the task's namespace. */
const NET_PROBE_MAIN = require.resolve('../../lib/net-probe');

export interface ProbeContext {
  /** argv prefix entering the task's network namespace; none = this namespace */
  prefix?: string[];
  env: Record<string, string>;
  cwd: string;
}

function waitChild(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try { if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch { /* gone */ } }
    }, timeoutMs);
    child.once('error', () => { clearTimeout(timer); resolve(false); });
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve(code === 0 && signal === null); });
  });
}

/** One attempt of `check` for a task; resolves true when healthy. Never rejects. */
export async function probe(check: HealthCheck, ctx: ProbeContext): Promise<boolean> {
  const timeoutMs = Math.max(1, (check.timeout_seconds ?? 20) * 1000);
  const prefix = ctx.prefix ?? [];
  if (check.type === 'COMMAND') {
    const value = check.command?.value;
    if (value === undefined || value === '') return false;
    const argv = [...prefix, '/bin/sh', '-c', value];
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: ctx.cwd, env: ctx.env, stdio: 'ignore', detached: true });
    return waitChild(child, timeoutMs);
  }
  const p = netProbeOf(check, timeoutMs);
  if (p === undefined) return false;
  if (prefix.length === 0) return probeHere(p);
  const argv = [...prefix, process.execPath, NET_PROBE_MAIN, JSON.stringify(p)];
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: ctx.cwd, env: { PATH: ctx.env.PATH ?? process.env.PATH ?? '' }, stdio: 'ignore', detached: true });
  // The helper needs a moment to start: allow it on top of the check's own timeout.
  return waitChild(child, timeoutMs + 5000);
}
