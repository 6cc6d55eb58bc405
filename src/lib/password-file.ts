// Secrets kept in files (vnet-driver's openvnet.passwordFile): read at the moment a client is
// made, never stored in a config object. Only node:fs: the driver loads this in every plugin run.
import * as fs from 'node:fs';

/** Bad credentials configuration or content (never quotes the secret). */
export class CredentialsConfigError extends Error {
  readonly code = 'MVN_ERR_CREDENTIALS_CONFIG';
  override readonly name = 'CredentialsConfigError';
}

/** The first line of the file, without its line break; an empty secret is an error. */
export function readPasswordFile(file: string, read: (p: string) => string = (p) => fs.readFileSync(p, 'utf8')): string {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    throw new CredentialsConfigError(`password file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const line = text.split('\n')[0].replace(/\r$/, '');
  if (line === '') throw new CredentialsConfigError(`password file ${file}: empty first line`);
  return line;
}

/** `{ auth }` for OpenVnetClientOptions when a user and a password file are configured. */
export function clientAuthFrom(conf: { username?: string; passwordFile?: string }, read?: (p: string) => string): { auth?: { username: string; password: string } } {
  if (conf.username === undefined || conf.passwordFile === undefined) return {};
  return { auth: { username: conf.username, password: readPasswordFile(conf.passwordFile, read) } };
}
