import type { Command } from 'commander';

// Placeholder until the mesos-sim command lands.
export function registerMesosSim(program: Command): void {
  program.command('mesos-sim').description('(not yet implemented)').action(() => {
    process.stderr.write('marathon-vnet mesos-sim: not implemented yet\n');
    process.exitCode = 2;
  });
}
