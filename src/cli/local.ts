import type { Command } from 'commander';

// Placeholder until the local command lands.
export function registerLocal(program: Command): void {
  program.command('local').description('(not yet implemented)').action(() => {
    process.stderr.write('marathon-vnet local: not implemented yet\n');
    process.exitCode = 2;
  });
}
