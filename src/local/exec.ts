// How local mode runs programs: src/lib/process.ts's runner (argument arrays, stdin, extra
// environment, a deadline), and long-running daemons. Injected as `run` so unit tests record calls.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { childEnv, spawnProcess, SpawnError, type RunOptions, type RunResult, type Runner } from '../lib/process';

export type { RunOptions, RunResult } from '../lib/process';
export type Run = Runner;

export class CommandError extends Error {
  readonly code = 'MVN_ERR_LOCAL_COMMAND';
  constructor(readonly command: string, readonly result: RunResult) {
    super(`${command} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 600)}`);
    this.name = 'CommandError';
  }
}

/** src/lib's runner with local mode's default deadline; a program that cannot start is exit -1. */
export const spawnRun: Run = (cmd, args, opts = {}) =>
  spawnProcess(cmd, args, { ...opts, timeoutMs: opts.timeoutMs ?? 60_000 }).catch((err: unknown) => {
    if (err instanceof SpawnError) return { code: -1, stdout: '', stderr: err.reason };
    throw err;
  });

/** Runs and throws CommandError on a non-zero exit; returns stdout. */
export async function runOk(run: Run, cmd: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new CommandError([cmd, ...args].join(' ').slice(0, 200), r);
  return r.stdout;
}

export interface Daemon {
  pid: number;
  /** resolves when the process has exited (and been reaped) */
  exited: Promise<void>;
  alive(): boolean;
}

/**
 * Starts a long-running program as our own child (kept in the foreground, in its own process
 * group so a terminal's Ctrl-C reaches only us), output appended to `logFile`. Being our child
 * means we reap it: no zombies where PID 1 does not reap orphans.
 */
export function spawnDaemon(cmd: string, args: readonly string[], logFile: string, env?: Record<string, string>): Promise<Daemon> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    let child;
    try {
      child = spawn(cmd, [...args], { detached: true, stdio: ['ignore', fd, fd], env: childEnv(env) });
    } catch (err) {
      fs.closeSync(fd);
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let running = true;
    const exited = new Promise<void>((r) => child.once('exit', () => { running = false; r(); }));
    child.once('error', (err) => {
      running = false;
      try { fs.closeSync(fd); } catch { /* closed */ }
      reject(err);
    });
    child.once('spawn', () => {
      fs.closeSync(fd);
      child.unref();
      resolve({ pid: child.pid as number, exited, alive: () => running });
    });
  });
}
