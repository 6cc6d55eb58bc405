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

const DEFAULT_TIMEOUT_MS = 30000;

export const spawnRunner: Runner = (cmd, args, opts = {}) => traced(`run ${cmd} ${args.slice(0, 4).join(' ')}`, () => spawnOnce(cmd, args, opts));

const spawnOnce: Runner = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const useFd = opts.outputFd !== undefined;
    const child = spawn(cmd, args as string[], {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', useFd ? opts.outputFd : 'pipe', useFd ? opts.outputFd : 'pipe'],
      env: opts.env === undefined ? process.env : { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new CniError(CNI_CODES.PLUMBING_FAILED, `cannot run ${cmd}`, err.message));
    });
    // A daemonising child may keep inherited output open: with outputFd wait for 'exit' only.
    child.on(useFd ? 'exit' : 'close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? -1 : code ?? (signal === null ? -1 : 128), stdout, stderr: timedOut ? `${stderr}timed out` : stderr });
    });
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
    throw new CniError(CNI_CODES.PLUMBING_FAILED, 'command failed', `${what}: ${(r.stderr || r.stdout).trim().slice(0, 500)} (exit ${r.code})`);
  }
  return r.stdout;
}
