// Forwarding a request from a non-leader to the leader, over HTTP or HTTPS (a private CA, and
// Marathon's --leader_proxy_ssl_ignore_hostname), with the caller's credentials or the
// instance's own. The body is streamed both ways, so event streams and large bodies pass through.
// `makeForwardHook` fits the API's ForwardHook; `leaderAgentOptions` serves other HTTP clients.
import * as http from 'node:http';
import * as https from 'node:https';
import type { PeerCertificate } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { basicAuthorization, type Credential } from './credentials';

export interface ForwardOptions {
  /** How instances talk to each other; `https` when the cluster serves HTTPS. Default http. */
  protocol?: 'http' | 'https';
  /** PEM CA bundle trusted for the leader's certificate (default: the system's). */
  ca?: string | Buffer;
  /** Check the chain but not the host name in it (Marathon's --leader_proxy_ssl_ignore_hostname). */
  ignoreHostname?: boolean;
  /** Authenticate as this instance instead of passing the caller's Authorization on. */
  credentials?: Credential;
  /** Our own `host:port`, sent as X-Marathon-Via; a request already carrying it is not forwarded again. */
  self?: string;
  /** Until the leader's response head arrives. Default 10 s. */
  timeoutMs?: number;
  /** Pool connections to the leader. Default true. */
  keepAlive?: boolean;
}

/** Connection-level headers that describe one hop and must not be copied to the next. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
export const VIA_HEADER = 'x-marathon-via';
export const LEADER_HEADER = 'x-marathon-leader';

/** `host:port` (or `[v6]:port`) → URL parts; anything else is refused. */
export function parseLeader(leader: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(leader.trim());
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`not a leader host:port: ${JSON.stringify(leader)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** TLS options for any client talking to a leader (an https.Agent, axios' httpsAgent, …). */
export function leaderAgentOptions(opts: ForwardOptions): https.AgentOptions {
  const o: https.AgentOptions = { keepAlive: opts.keepAlive ?? true, minVersion: 'TLSv1.2' };
  if (opts.ca !== undefined) o.ca = opts.ca;
  if (opts.ignoreHostname === true) o.checkServerIdentity = (_host: string, _cert: PeerCertificate) => undefined;
  return o;
}

function copyHeaders(from: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const connectionListed = new Set(String(from.connection ?? '').split(',').map((s) => s.trim().toLowerCase()));
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined || HOP_BY_HOP.has(k) || connectionListed.has(k)) continue;
    out[k] = v;
  }
  return out;
}

export interface Forwarder {
  forward(req: FastifyRequest, reply: FastifyReply, leader: string): Promise<boolean>;
  /** Closes pooled connections. */
  close(): void;
}

export function createForwarder(opts: ForwardOptions = {}): Forwarder {
  const protocol = opts.protocol ?? 'http';
  const agent = protocol === 'https' ? new https.Agent(leaderAgentOptions(opts)) : new http.Agent({ keepAlive: opts.keepAlive ?? true });
  const timeoutMs = opts.timeoutMs ?? 10_000;

  const forward = (req: FastifyRequest, reply: FastifyReply, leader: string): Promise<boolean> => {
    if (req.headers[VIA_HEADER] !== undefined) return Promise.resolve(false); // one hop only: no loops
    let target: { host: string; port: number };
    try {
      target = parseLeader(leader);
    } catch {
      return Promise.resolve(false);
    }
    const headers = copyHeaders(req.headers);
    headers.host = leader;
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior === undefined ? req.ip : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${req.ip}`;
    headers['x-forwarded-proto'] ??= req.protocol;
    if (req.headers.host !== undefined) headers['x-forwarded-host'] ??= req.headers.host;
    headers[VIA_HEADER] = opts.self ?? 'marathon-vnet';
    if (opts.credentials !== undefined) headers.authorization = basicAuthorization(opts.credentials);

    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (v: boolean): void => { if (!settled) { settled = true; resolve(v); } };
      const mod = protocol === 'https' ? https : http;
      const upstream = mod.request({
        host: target.host, port: target.port, method: req.method, path: req.raw.url ?? req.url, headers, agent,
        ...(protocol === 'https' && /^[A-Za-z]/.test(target.host) ? { servername: target.host } : {}),
      });
      const timer = setTimeout(() => upstream.destroy(new Error('leader did not answer in time')), timeoutMs);
      upstream.on('response', (res) => {
        clearTimeout(timer);
        reply.hijack();
        const out = reply.raw;
        const resHeaders = copyHeaders(res.headers);
        resHeaders[LEADER_HEADER] = `${protocol}://${leader}`;
        out.writeHead(res.statusCode ?? 502, resHeaders);
        res.pipe(out);
        res.on('error', () => out.destroy());
        settle(true);
      });
      upstream.on('error', () => {
        clearTimeout(timer);
        // Before a response: the API answers 503 itself. After: the client sees a cut stream.
        if (!settled) settle(false);
        else reply.raw.destroy();
      });
      reply.raw.once('close', () => { if (!reply.raw.writableFinished) upstream.destroy(); });
      req.raw.pipe(upstream);
    });
  };
  return { forward, close: () => agent.destroy() };
}

/** A ForwardHook (src/server/api/context.ts) forwarding to the leader with these options. */
export function makeForwardHook(opts: ForwardOptions = {}): (req: FastifyRequest, reply: FastifyReply, leader: string) => Promise<boolean> {
  return createForwarder(opts).forward;
}

/** One-off form: `forwardRequest(req, reply, 'leader:8443', { protocol: 'https', ca, credentials })`. */
export function forwardRequest(req: FastifyRequest, reply: FastifyReply, leader: string, opts: ForwardOptions = {}): Promise<boolean> {
  // No pool: the sockets close with their response, so nothing outlives the call.
  return createForwarder({ ...opts, keepAlive: false }).forward(req, reply, leader);
}
