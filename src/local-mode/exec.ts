// The one way local mode runs programs: argument arrays (no shell), optional stdin, exact
// environment, a timeout. Injected as `run` so unit tests record calls instead.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface RunOptions {
  input?: string;
  /** the complete environment (default: this process's) */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface RunResult { code: number; stdout: string; stderr: string }

export type Run = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export class CommandError extends Error {
  readonly code = 'MVN_ERR_LOCAL_COMMAND';
  constructor(readonly command: string, readonly result: RunResult) {
    super(`${command} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 600)}`);
    this.name = 'CommandError';
  }
}

export const spawnRun: Run = (cmd, args, opts = {}) => new Promise((resolve) => {
  let child;
  try {
    child = spawn(cmd, [...args], { detached: true, env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (err) {
    resolve({ code: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) });
    return;
  }
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 60_000);
  child.once('error', (err) => {
    clearTimeout(timer);
    resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` });
  });
  child.once('close', (code, signal) => {
    clearTimeout(timer);
    const how = timedOut ? 'timed out' : signal !== null ? `killed by ${signal}` : '';
    resolve({ code: code ?? -1, stdout, stderr: how === '' ? stderr : `${stderr}${how}` });
  });
  if (opts.input !== undefined) {
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input);
  }
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
      child = spawn(cmd, [...args], { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
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
