// The `marathon-vnet` command: one subcommand per file in this folder, wired here.
import { Command } from 'commander';
import { registerServe } from './serve';
import { registerLocal } from './local';
import { registerMesosSim } from './mesos-sim';
import { registerVnetApi } from './vnet-api';

export function buildProgram(): Command {
  const program = new Command('marathon-vnet')
    .description('Marathon-compatible Mesos framework with multi-interface virtual networking')
    .showHelpAfterError();
  registerServe(program);
  registerLocal(program);
  registerMesosSim(program);
  registerVnetApi(program);
  return program;
}

export function main(argv: string[]): void {
  buildProgram().parseAsync(argv).catch((err: unknown) => {
    process.stderr.write(`marathon-vnet: ${err instanceof Error ? err.message : String(err)}\n`);
    // Errors that mean something to an operator's supervisor carry their own exit status.
    const code = (err as { exitCode?: unknown } | null)?.exitCode;
    process.exit(typeof code === 'number' && Number.isInteger(code) && code > 0 ? code : 1);
  });
}
