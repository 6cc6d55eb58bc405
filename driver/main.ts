// vnet-driver entry: a CNI plugin when CNI_COMMAND is set, otherwise the operator CLI.
export function main(_argv: string[]): void {
  process.stderr.write('vnet-driver: not implemented yet\n');
  process.exitCode = 2;
}
