// How the driver runs programs: src/lib/process.ts's runner, with failures as CNI errors.
// Injected as `deps.run` so unit tests can record every call.
import { boundedRunner, isTimeout, killChildren, spawnProcess, SpawnError, type RunOptions, type Runner } from '../../src/lib/process';
import { CniError, CNI_CODES } from '../cni/errors';
import { traced } from '../trace';

export type { RunOptions, RunResult, Runner } from '../../src/lib/process';
export { boundedRunner, killChildren };

/** src/lib's runner, traced, with a program that cannot start as a plumbing error (code 100). */
export const spawnRunner: Runner = (cmd, args, opts = {}) => traced(`run ${cmd} ${args.slice(0, 4).join(' ')}`, () =>
  spawnProcess(cmd, args, opts).catch((err: unknown) => {
    if (err instanceof SpawnError) throw new CniError(CNI_CODES.PLUMBING_FAILED, `cannot run ${cmd}`, err.reason);
    throw err;
  }));

/** Runs and throws a plumbing error (code 100) on a non-zero exit. */
export async function runOk(run: Runner, cmd: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const what = [cmd, ...args].join(' ').slice(0, 300);
    throw new CniError(CNI_CODES.PLUMBING_FAILED, isTimeout(r) ? 'command timed out' : 'command failed', `${what}: ${(r.stderr || r.stdout).trim().slice(0, 500)} (exit ${r.code})`);
  }
  return r.stdout;
}
