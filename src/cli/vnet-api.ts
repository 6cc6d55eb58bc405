// `marathon-vnet vnet-api`: the embedded OpenVNet-compatible webapi as a standalone process.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { applyInitFile, createVnetApiServer } from '../sim/openvnet/server';
import type { InitResult } from '../sim/openvnet/init-file';
import { addAuthFlags, authFromFlags } from '../server/security/cli-flags';
import { exposureWarning } from '../server/security/config';
import type { CredentialStore } from '../server/security/credentials';
import { registerBasicAuth } from '../server/security/plugin';

export interface ListenAddress { host: string; port: number }

/** `host:port`, `[v6]:port`, `:port` or `port`; host defaults to 127.0.0.1. */
export function parseListen(text: string): ListenAddress {
  const t = text.trim();
  let host = '127.0.0.1';
  let port: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(t);
  if (v6 !== null) {
    host = v6[1];
    port = v6[2];
  } else if (/^\d+$/.test(t)) {
    port = t;
  } else {
    const i = t.lastIndexOf(':');
    if (i < 0) throw new Error(`--listen ${text}: expected host:port`);
    if (i > 0) host = t.slice(0, i);
    port = t.slice(i + 1);
  }
  const n = Number(port);
  if (!/^\d+$/.test(port) || n > 65535) throw new Error(`--listen ${text}: bad port`);
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new Error(`--listen ${text}: bad host`);
  return { host, port: n };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface StartVnetApiOptions {
  listen: ListenAddress;
  initFile?: string;
  stateFile?: string;
  auth?: { username: string; password: string };
  /** Several users (--http_credentials / --http_credentials_file); replaces `auth`. */
  credentials?: CredentialStore;
  /** Basic auth realm with `credentials`; default `openvnet`. */
  realm?: string;
  logLevel?: string;
}

export interface RunningVnetApi {
  server: FastifyInstance;
  /** e.g. `http://127.0.0.1:9090` */
  url: string;
  init?: InitResult;
}

/** Starts the webapi (loading --state, then applying --init) and listens. */
export async function startVnetApi(opts: StartVnetApiOptions): Promise<RunningVnetApi> {
  let spec: unknown;
  if (opts.initFile !== undefined) {
    try {
      spec = JSON.parse(readFileSync(opts.initFile, 'utf8'));
    } catch (err) {
      throw new Error(`--init ${opts.initFile}: ${(err as Error).message}`);
    }
  }
  const server = createVnetApiServer({
    stateFile: opts.stateFile,
    auth: opts.credentials !== undefined && opts.credentials.size > 0 ? undefined : opts.auth,
    logger: opts.logLevel !== undefined && opts.logLevel !== 'silent' ? { level: opts.logLevel } : false,
  });
  if (opts.credentials !== undefined && opts.credentials.size > 0) {
    registerBasicAuth(server, {
      credentials: opts.credentials, realm: opts.realm ?? 'openvnet',
      unauthorizedBody: { error: 'Unauthorized', message: 'authentication required', code: '401' },
    });
  }
  try {
    const init = spec === undefined ? undefined : await applyInitFile(server, spec);
    await server.listen({ host: opts.listen.host, port: opts.listen.port });
    const addr = server.server.address();
    const port = addr !== null && typeof addr === 'object' ? addr.port : opts.listen.port;
    const host = opts.listen.host.includes(':') ? `[${opts.listen.host}]` : opts.listen.host;
    return { server, url: `http://${host}:${port}`, init };
  } catch (err) {
    await server.close();
    throw err;
  }
}

export function registerVnetApi(program: Command): void {
  const cmd = program
    .command('vnet-api')
    .description('run the embedded OpenVNet-compatible webapi (routes under /api and /api/1.0)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:9090')
    .option('--init <file>', 'JSON file of networks, DHCP services, pools and lease policies to create (idempotent)')
    .option('--state <file>', 'JSON file to keep the state in across restarts (written atomically)')
    .option('--log-level <level>', 'request log level (fatal|error|warn|info|debug|silent)', 'warn')
    .addHelpText('after', '\nBasic auth is enabled by --http_credentials / --http_credentials_file, or MVN_VNET_API_USERNAME and MVN_VNET_API_PASSWORD.');
  addAuthFlags(cmd)
    .action(async (o: { listen: string; init?: string; state?: string; logLevel: string } & Record<string, unknown>) => {
      const listen = parseListen(o.listen);
      const username = process.env.MVN_VNET_API_USERNAME;
      const password = process.env.MVN_VNET_API_PASSWORD;
      const fromEnv = username !== undefined && password !== undefined ? [{ username, password }] : [];
      const auth = authFromFlags(o, { extra: fromEnv, defaultRealm: 'openvnet' });
      for (const w of auth.warnings) process.stderr.write(`marathon-vnet vnet-api: warning: ${w}\n`);
      const exposed = exposureWarning('marathon-vnet vnet-api', listen.host, auth.credentials !== undefined, 'create and delete OpenVNet networks and interfaces');
      if (exposed !== undefined) process.stderr.write(`${exposed}\n`);
      const running = await startVnetApi({
        listen, initFile: o.init, stateFile: o.state, logLevel: o.logLevel,
        ...(auth.credentials !== undefined ? { credentials: auth.credentials, realm: auth.realm } : {}),
      });
      if (running.init !== undefined) {
        process.stdout.write(`applied ${o.init}: ${running.init.created.length} created, ${running.init.existing.length} already present\n`);
      }
      process.stdout.write(`OpenVNet webapi listening on ${running.url}/api\n`);
      let closing = false;
      const stop = (signal: string) => {
        if (closing) return;
        closing = true;
        process.stdout.write(`received ${signal}, shutting down\n`);
        running.server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`marathon-vnet vnet-api: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
