// The one way the driver runs programs: argument arrays, never a shell; optional stdin, timeout
// and environment. Injected as `deps.run` so unit tests can record every call.
import { spawn } from 'node:child_process';
import { CniError, CNI_CODES } from '../cni/errors';
import { traced } from '../trace';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Send stdout/stderr to this file descriptor (for daemons that keep them open). */
  outputFd?: number;
}

export interface RunResult { code: number; stdout: string; stderr: string }

export type Runner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

const DEFAULT_TIMEOUT_MS = 10000;

/** Children still running (their process groups): killed when the driver exits early. */
const live = new Set<number>();

/** Kills every program still running (the whole process group of each), e.g. at the deadline. */
export function killChildren(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  live.clear();
}

/**
 * A runner whose every program has a deadline: its own (DHCP) or `commandMs`, and never past
 * `deadlineAt` (epoch ms) of the whole command. A program timed out reports exit -1 and
 * "timed out after N ms" on stderr.
 */
export function boundedRunner(run: Runner, commandMs: number, deadlineAt: number): Runner {
  return (cmd, args, opts = {}) => {
    const left = Math.max(50, deadlineAt - Date.now());
    return run(cmd, args, { ...opts, timeoutMs: Math.min(opts.timeoutMs ?? commandMs, left) });
  };
}

export const spawnRunner: Runner = (cmd, args, opts = {}) => traced(`run ${cmd} ${args.slice(0, 4).join(' ')}`, () => spawnOnce(cmd, args, opts));

const spawnOnce: Runner = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const useFd = opts.outputFd !== undefined;
    // Its own process group, so a timeout kills what it started too (a hung stub's `sleep`
    // would otherwise hold our pipes open, and 'close' would never come).
    const child = spawn(cmd, args as string[], {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', useFd ? opts.outputFd : 'pipe', useFd ? opts.outputFd : 'pipe'],
      env: opts.env === undefined ? process.env : { ...process.env, ...opts.env },
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    // Raw chunks, decoded once at the end (setEncoding would load the string decoder: start-up cost).
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const limit = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timedOut = false;
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (pid !== undefined) live.delete(pid);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: timedOut ? -1 : code ?? (signal === null ? -1 : 128), stdout, stderr: timedOut ? `${stderr}timed out after ${limit} ms` : stderr });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (pid !== undefined) process.kill(-pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      // Answer now: a grandchild outside the group may still hold our pipes.
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.once('exit', finish);
      setTimeout(() => finish(null, 'SIGKILL'), 200).unref();
    }, limit);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (pid !== undefined) live.delete(pid);
      done = true;
      reject(new CniError(CNI_CODES.PLUMBING_FAILED, `cannot run ${cmd}`, err.message));
    });
    // A daemonising child may keep inherited output open: with outputFd wait for 'exit' only.
    child.on(useFd ? 'exit' : 'close', finish);
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
  });

/** Runs and throws a plumbing error (code 100) on a non-zero exit. */
export async function runOk(run: Runner, cmd: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const what = [cmd, ...args].join(' ').slice(0, 300);
    const timedOut = r.code === -1 && /timed out after \d+ ms$/.test(r.stderr);
    throw new CniError(CNI_CODES.PLUMBING_FAILED, timedOut ? 'command timed out' : 'command failed', `${what}: ${(r.stderr || r.stdout).trim().slice(0, 500)} (exit ${r.code})`);
  }
  return r.stdout;
}
