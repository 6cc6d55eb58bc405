// A TCP proxy on 127.0.0.1 between a Mesos scheduler and its master that resets a seeded fraction
// of the scheduler's calls — what a keep-alive race, a restarting load balancer or a flaky network
// does. It reads the HTTP requests going through (Content-Length framing, as the scheduler sends
// them) and, per call, either resets the connection before forwarding it (the master never sees
// the call) or forwards it and resets the connection when the answer comes (the master acted, the
// scheduler never hears). A connection whose first request carries no Mesos-Stream-Id is the
// SUBSCRIBE stream: it is piped untouched, never reset.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../src/sim/mesos/rng';

export interface ResetProxyOptions {
  target: { host: string; port: number };
  /** Fraction of calls reset (0…1): half before forwarding, half after the master answered. */
  resetRate: number;
  seed: number;
}

export interface ResetProxyStats {
  connections: number;
  subscribeStreams: number;
  calls: number;
  resetBefore: number;
  resetAfter: number;
}

export class ResetProxy {
  readonly stats: ResetProxyStats = { connections: 0, subscribeStreams: 0, calls: 0, resetBefore: 0, resetAfter: 0 };
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly random: () => number;
  private rate: number;

  constructor(private readonly opts: ResetProxyOptions) {
    this.random = seededRandom(opts.seed);
    this.rate = opts.resetRate;
    this.server = net.createServer((client) => this.onConnection(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Changes the fraction of calls reset from now on. */
  setResetRate(rate: number): void {
    this.rate = rate;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private onConnection(client: net.Socket): void {
    this.stats.connections++;
    this.track(client);
    const upstream = net.connect(this.opts.target.port, this.opts.target.host);
    this.track(upstream);
    let pending = Buffer.alloc(0);
    let mode: 'unknown' | 'stream' | 'calls' = 'unknown';
    let resetOnAnswer = false;
    const reset = (): void => {
      client.resetAndDestroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (resetOnAnswer) { reset(); return; }
      client.write(chunk);
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => {
      if (mode === 'stream') { upstream.write(chunk); return; }
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = pending.subarray(0, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
        const total = headEnd + 4 + length;
        if (pending.length < total) return;
        const request = pending.subarray(0, total);
        pending = pending.subarray(total);
        if (mode === 'unknown') mode = /\r\nmesos-stream-id:/i.test(head) ? 'calls' : 'stream';
        if (mode === 'stream') {
          this.stats.subscribeStreams++;
          upstream.write(request);
          if (pending.length > 0) upstream.write(pending);
          pending = Buffer.alloc(0);
          return;
        }
        this.stats.calls++;
        const r = this.random();
        if (r < this.rate / 2) {
          this.stats.resetBefore++;
          reset();
          return;
        }
        if (r < this.rate) {
          this.stats.resetAfter++;
          resetOnAnswer = true;
        }
        upstream.write(request);
      }
    });
  }
}
