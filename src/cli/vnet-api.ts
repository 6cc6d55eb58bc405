import type { Command } from 'commander';

// Placeholder until the vnet-api command lands.
export function registerVnetApi(program: Command): void {
  program.command('vnet-api').description('(not yet implemented)').action(() => {
    process.stderr.write('marathon-vnet vnet-api: not implemented yet\n');
    process.exitCode = 2;
  });
}
