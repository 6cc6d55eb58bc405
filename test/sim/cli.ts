// npm run sim -- --seeds N [--from S] | --seed S [--steps N] [--faults k=off,…] [--bug no-kill|lost-decline|unversioned] [--trace]
// (SIM_VERBOSE=1: every log line of the serve nodes in the trace)
// Runs seeded simulations; a failing seed prints the one command that replays it and a short trace.
import { replayCommand, runSeed, type SimOptions } from './world';

export const DEFAULT_STEPS = 30;
export const DEFAULT_CONVERGE_MS = 300_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function failureReport(opts: SimOptions, violation: string | undefined, trace: string[], lines = 40): string {
  return [
    `seed ${opts.seed} FAILED: ${violation ?? '?'}`,
    `replay: ${replayCommand(opts)}`,
    `last ${Math.min(lines, trace.length)} trace lines:`,
    ...trace.slice(-lines).map((l) => `  ${l}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const steps = Number(arg('steps') ?? DEFAULT_STEPS);
  const bug = arg('bug') as SimOptions['bug'];
  // --faults offers=on,crash=off …: switch fault classes (see FaultKind in world.ts).
  const faults: SimOptions['faults'] = {};
  for (const kv of (arg('faults') ?? '').split(',').filter((x) => x !== '')) {
    const [k, v] = kv.split('=');
    (faults as Record<string, boolean>)[k ?? ''] = v !== 'off';
  }
  const one = arg('seed');
  const seeds = one !== undefined ? [Number(one)] : (() => {
    const n = Number(arg('seeds') ?? 100);
    const from = Number(arg('from') ?? 1);
    return Array.from({ length: n }, (_, i) => from + i);
  })();
  const started = Date.now();
  let failed = 0;
  let worst = 0;
  for (const seed of seeds) {
    const opts: SimOptions = { seed, steps, convergeWithinMs: DEFAULT_CONVERGE_MS, faults, ...(bug !== undefined ? { bug } : {}) };
    const r = await runSeed(opts);
    if (!r.ok) {
      failed++;
      console.log(failureReport(opts, r.violation, r.trace, one !== undefined || process.argv.includes('--trace') ? 400 : 40));
    } else {
      worst = Math.max(worst, r.convergedAfterMs ?? 0);
      if (one !== undefined) console.log(`seed ${seed} ok: converged ${((r.convergedAfterMs ?? 0) / 1000).toFixed(1)}s after the faults stopped; ${r.stats.launches} launches, ${r.stats.timersFired} timers`);
      if (process.argv.includes('--trace')) console.log(r.trace.join('\n'));
    }
  }
  console.log(`${seeds.length - failed}/${seeds.length} seeds passed in ${((Date.now() - started) / 1000).toFixed(1)}s; slowest convergence ${(worst / 1000).toFixed(1)}s virtual`);
  process.exitCode = failed > 0 ? 1 : 0;
}

if (require.main === module) void main();
