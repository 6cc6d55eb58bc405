// The one way src/ and driver/ run programs: argument arrays, never a shell; optional stdin, a
// deadline, extra environment. Each program gets its own process group, so a timeout kills what
// it started too (a hung child's `sleep` would otherwise hold our pipes open); its stdio goes
// through unlinked scratch files where it can. Injected as a `Runner` so unit tests record calls.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

/**
 * Unlinked scratch files for a program's stdin, stdout and stderr, or null when none can be made
 * (then pipes are used). Pipes cost a fresh (CNI plugin) process more than the program itself: each one is a
 * socket object with two streams, set up and torn down per run; a file is an fd. The input is
 * written with pwrite at offset 0, so the child reads it from the start; the output is read back
 * once the program has exited. Created O_EXCL (never an existing file or link), mode 0600, and
 * unlinked at once.
 */
function scratchFiles(input: string | undefined): { inFd: number | null; outFd: number; errFd: number } | null {
  const fds: number[] = [];
  try {
    for (let i = 0; i < (input === undefined ? 2 : 3); i++) {
      const file = path.join(os.tmpdir(), `mvn-run.${process.pid}.${++scratchSeq}`);
      fds.push(fs.openSync(file, 'wx+', 0o600));
      fs.unlinkSync(file);
    }
    if (input !== undefined) fs.writeSync(fds[2], input, 0);
    return { outFd: fds[0], errFd: fds[1], inFd: input === undefined ? null : fds[2] };
  } catch {
    for (const fd of fds) closeQuietly(fd);
    return null;
  }
}
let scratchSeq = 0;

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

/** What a program wrote into a scratch file (the whole file: the child wrote from offset 0). */
function readBack(fd: number): string {
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } catch {
    return '';
  }
}

/** Runs one program; rejects with SpawnError only when it cannot start. */
export const spawnProcess: Runner = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const useFd = opts.outputFd !== undefined;
    const files = useFd ? null : scratchFiles(opts.input);
    const stdin = files !== null ? files.inFd ?? 'ignore' : opts.input === undefined ? 'ignore' : 'pipe';
    // Its own process group, so a timeout kills what it started too (a hung stub's `sleep`
    // would otherwise hold our pipes open, and 'close' would never come).
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args as string[], {
        stdio: [stdin, useFd ? opts.outputFd : files?.outFd ?? 'pipe', useFd ? opts.outputFd : files?.errFd ?? 'pipe'],
        env: childEnv(opts.env),
        detached: true,
      });
    } catch (err) {
      if (files !== null) for (const fd of [files.inFd, files.outFd, files.errFd]) if (fd !== null) closeQuietly(fd);
      reject(new SpawnError(cmd, err instanceof Error ? err.message : String(err)));
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    // Pipes (no scratch files): raw chunks, decoded once at the end (setEncoding would load the
    // string decoder: start-up cost).
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const limit = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timedOut = false;
    let done = false;
    const release = (): void => {
      if (files !== null) for (const fd of [files.inFd, files.outFd, files.errFd]) if (fd !== null) closeQuietly(fd);
    };
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (pid !== undefined) live.delete(pid);
      const stdout = files !== null ? readBack(files.outFd) : Buffer.concat(out).toString('utf8');
      const stderr = files !== null ? readBack(files.errFd) : Buffer.concat(err).toString('utf8');
      release();
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
      done = true;
      release();
      reject(new SpawnError(cmd, e.message));
    });
    // Output in files or an inherited fd (a daemonising child may keep it open): 'exit' is the
    // end; with pipes, 'close' (all output read).
    child.on(useFd || files !== null ? 'exit' : 'close', finish);
    if (files === null && opts.input !== undefined) {
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
