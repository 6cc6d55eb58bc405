// The one way src/ and driver/ run programs: argument arrays, never a shell; optional stdin, a
// deadline, extra environment. Each program gets its own process group, so a timeout kills what
// it started too (a hung child's `sleep` would otherwise hold our pipes open). Injected as a
// `Runner` so unit tests record calls instead of running them.
import { spawn } from 'node:child_process';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Variables set on top of this process's environment (never a replacement of it). */
  env?: Record<string, string>;
  /** Send stdout/stderr to this file descriptor (for daemons that keep them open). */
  outputFd?: number;
}

/**
 * `code` is the exit status; 128 when killed by a signal, -1 when timed out (stderr then ends with
 * "timed out after N ms").
 */
export interface RunResult { code: number; stdout: string; stderr: string }

export type Runner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

/** The program could not be started at all (not found, not executable). */
export class SpawnError extends Error {
  readonly code = 'MVN_ERR_SPAWN';
  override readonly name = 'SpawnError';
  constructor(readonly command: string, readonly reason: string) {
    super(`cannot run ${command}: ${reason}`);
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The environment a child gets: ours with `extra` on top. */
export function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return extra === undefined ? process.env : { ...process.env, ...extra };
}

/** Children still running (their process groups): killed when the caller gives up early. */
const live = new Set<number>();

/** Kills every program still running (the whole process group of each), e.g. at a deadline. */
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

/** Runs one program; rejects with SpawnError only when it cannot start. */
export const spawnProcess: Runner = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const useFd = opts.outputFd !== undefined;
    let child;
    try {
      child = spawn(cmd, args as string[], {
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', useFd ? opts.outputFd : 'pipe', useFd ? opts.outputFd : 'pipe'],
        env: childEnv(opts.env),
        detached: true,
      });
    } catch (err) {
      reject(new SpawnError(cmd, err instanceof Error ? err.message : String(err)));
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    // Raw chunks, decoded once at the end (setEncoding would load the string decoder: start-up
    // cost for the short-lived CNI plugin).
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
    child.on('error', (e) => {
      clearTimeout(timer);
      if (pid !== undefined) live.delete(pid);
      if (done) return;
      done = true;
      reject(new SpawnError(cmd, e.message));
    });
    // A daemonising child may keep inherited output open: with outputFd wait for 'exit' only.
    child.on(useFd ? 'exit' : 'close', finish);
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
  });

/**
 * A runner whose every program has a deadline: its own or `commandMs`, and never past
 * `deadlineAt` (epoch ms) of the whole operation.
 */
export function boundedRunner(run: Runner, commandMs: number, deadlineAt: number): Runner {
  return (cmd, args, opts = {}) => {
    const left = Math.max(50, deadlineAt - Date.now());
    return run(cmd, args, { ...opts, timeoutMs: Math.min(opts.timeoutMs ?? commandMs, left) });
  };
}

/** True when a result is a timeout of spawnProcess. */
export function isTimeout(r: RunResult): boolean {
  return r.code === -1 && /timed out after \d+ ms$/.test(r.stderr);
}
