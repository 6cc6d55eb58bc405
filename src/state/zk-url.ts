// Parses `zk://[user:pass@]host:port[,host:port…]/path` (marathon-api.md §11). Pure.

import { StoreInvalidError } from './store';

export interface ZkServer {
  host: string;
  port: number;
}

export interface ZkUrl {
  servers: ZkServer[];
  /** `host:port,host:port` as the client library wants it (no chroot: paths are prefixed by us). */
  connectString: string;
  /** The chroot, e.g. `/marathon-vnet`; never `/`, never a trailing slash. */
  path: string;
  /** Digest credentials: nodes we create then carry the CREATOR_ALL ACL. */
  auth?: { user: string; password: string };
}

export const DEFAULT_ZK_PORT = 2181;

function fail(url: string, why: string): never {
  throw new StoreInvalidError(`invalid ZooKeeper URL ${JSON.stringify(redact(url))}: ${why}`);
}

/** The URL with its password replaced, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^(zk:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

function decode(url: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(url, `${what} is not valid percent-encoding`);
  }
}

function parseServer(url: string, text: string): ZkServer {
  // node-zookeeper-client splits host:port on ':' and so cannot reach IPv6 literals.
  if (text.startsWith('[')) fail(url, 'IPv6 literals are not supported; use a host name');
  const parts = text.split(':');
  if (parts.length > 2) fail(url, `host "${text}" has more than one ':'`);
  const [host, portText] = parts;
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) fail(url, `bad host "${host}"`);
  let port = DEFAULT_ZK_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) fail(url, `bad port "${portText}"`);
    port = Number(portText);
    if (port < 1 || port > 65535) fail(url, `port ${port} out of range`);
  }
  return { host, port };
}

export function parseZkUrl(url: string): ZkUrl {
  const m = /^zk:\/\/([^/]*)(\/.*)?$/.exec(url);
  if (!m) fail(url, 'expected zk://[user:pass@]host:port[,host:port]/path');
  let authority = m[1];
  const rawPath = m[2];
  let auth: ZkUrl['auth'];
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon <= 0) fail(url, 'credentials must be user:password');
    const user = decode(url, userinfo.slice(0, colon), 'user');
    const password = decode(url, userinfo.slice(colon + 1), 'password');
    if (user.length === 0 || password.length === 0) fail(url, 'user and password must not be empty');
    auth = { user, password };
  }
  if (authority.length === 0) fail(url, 'no host');
  const servers = authority.split(',').map((s) => {
    if (s.length === 0) fail(url, 'empty host in the host list');
    return parseServer(url, s);
  });

  if (rawPath === undefined || rawPath === '/' || rawPath === '') fail(url, 'a path is required, e.g. /marathon-vnet');
  if (/[?#]/.test(rawPath)) fail(url, 'query strings and fragments are not allowed');
  const path = rawPath.replace(/\/+$/, '');
  const segments = path.slice(1).split('/');
  for (const s of segments) {
    if (s.length === 0) fail(url, 'empty path segment');
    if (s === '.' || s === '..') fail(url, `path segment "${s}" is not allowed`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(s)) fail(url, 'path contains characters ZooKeeper rejects');
  }
  if (segments[0] === 'zookeeper') fail(url, '/zookeeper is reserved by ZooKeeper');

  const connectString = servers.map((s) => `${s.host}:${s.port}`).join(',');
  return { servers, connectString, path, ...(auth ? { auth } : {}) };
}
