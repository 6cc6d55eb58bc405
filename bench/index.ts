// Benchmark dispatcher: `node dist/bench/index.js [name...]` loads ./<name>.js next to this file
// and awaits its exported run(); with no names it runs every bench/*.js found here.
import fs from 'node:fs';
import path from 'node:path';

interface BenchModule {
  run(): Promise<void>;
}

export function discoverBenches(dir: string = __dirname): string[] {
  return fs.readdirSync(dir)
    .filter((f) => f.endsWith('.js') && f !== 'index.js' && !f.startsWith('_'))
    .map((f) => f.slice(0, -'.js'.length))
    .sort();
}

export async function main(argv: string[]): Promise<number> {
  const available = discoverBenches();
  // `--flag value` pairs are for the benches themselves (they read process.argv).
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && (argv[i - 1] ?? '').startsWith('--')));
  const names = positional.length > 0 ? positional : available;
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench: ${unknown.join(', ')} (available: ${available.join(', ') || 'none'})\n`);
    return 2;
  }
  for (const name of names) {
    const mod = require(path.join(__dirname, name)) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') {
      process.stderr.write(`bench ${name}: no exported run()\n`);
      return 2;
    }
    process.stdout.write(`== bench ${name}\n`);
    await mod.run();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
