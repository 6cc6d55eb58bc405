// vnet-driver entry: a CNI plugin when CNI_COMMAND is set, otherwise the operator CLI.
import * as fs from 'node:fs';
import { runCni } from './cni/skel';
import { realDeps } from './deps';
import { loadClientModule } from './openvnet/load-client';
import { trace } from './trace';

function readStdin(): string {
  return fs.readFileSync(0, 'utf8');
}

function finish(stdout: string, exitCode: number): void {
  trace(`exit ${exitCode}`);
  // Exit explicitly once the output is flushed: keep-alive HTTP sockets must not hold us.
  if (stdout === '') process.exit(exitCode);
  process.stdout.write(stdout, () => process.exit(exitCode));
}

/**
 * Loads what a CNI command loads lazily (the OpenVNet client with axios, the CLI) without
 * running anything: the build step calls it before it saves the bundle's V8 code cache.
 */
export function preload(): void {
  loadClientModule();
  require('./cli/index');
}

export async function main(argv: string[]): Promise<void> {
  trace(`loaded (${__filename.endsWith('bundle.js') ? 'bundle' : 'tsc output'})`);
  if (process.env.CNI_COMMAND !== undefined && process.env.CNI_COMMAND !== '') {
    const out = await runCni(realDeps(process.env), process.env, readStdin);
    finish(out.stdout, out.exitCode);
    return;
  }
  const { runCli } = require('./cli/index') as typeof import('./cli/index');
  const code = await runCli(argv, realDeps(process.env));
  finish('', code);
}
