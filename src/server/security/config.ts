// The security configuration of one `serve` instance as startServe takes it, and the warning
// every server prints when it is reachable beyond loopback without credentials.
import type { ForwardOptions } from './forward';
import type { SecurityOptions } from './plugin';
import type { TlsMaterial } from './tls';

export interface ServeSecurity {
  /** Hooks and limits (registerSecurity). */
  options: SecurityOptions;
  /** Serve HTTPS too (or only, with disableHttp). */
  https?: { tls: TlsMaterial; port: number; host?: string };
  disableHttp?: boolean;
  /** How this instance reaches the leader when it does not lead. */
  forward?: ForwardOptions;
  /** How often Node enforces header/request timeouts (default 30 s). */
  timeoutCheckIntervalMs?: number;
}

export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The line to print when `host` exposes `what` without credentials; undefined when all is well. */
export function exposureWarning(component: string, host: string, authEnabled: boolean, what: string): string | undefined {
  if (authEnabled || isLoopbackAddress(host)) return undefined;
  return `${component}: warning: listening on ${host} without --http_credentials: anyone who can reach it can ${what}`;
}
