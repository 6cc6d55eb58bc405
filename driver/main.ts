// vnet-driver entry: a CNI plugin when CNI_COMMAND is set, otherwise the operator CLI.
import * as fs from 'node:fs';
import { runCni } from './cni/skel';
import { realDeps } from './deps';

function readStdin(): string {
  return fs.readFileSync(0, 'utf8');
}

function finish(stdout: string, exitCode: number): void {
  // Exit explicitly once the output is flushed: keep-alive HTTP sockets must not hold us.
  if (stdout === '') process.exit(exitCode);
  process.stdout.write(stdout, () => process.exit(exitCode));
}

export async function main(argv: string[]): Promise<void> {
  if (process.env.CNI_COMMAND !== undefined && process.env.CNI_COMMAND !== '') {
    const out = await runCni(realDeps(process.env), process.env, readStdin);
    finish(out.stdout, out.exitCode);
    return;
  }
  const { runCli } = require('./cli/index') as typeof import('./cli/index');
  const code = await runCli(argv, realDeps(process.env));
  finish('', code);
}
