// RecordIO edge cases with the real SchedulerClient and the local master, in both encodings. A
// proxy between them re-frames the subscription stream (HTTP chunked body → whole RecordIO
// records → new HTTP chunks) so the client's socket sees exactly the cuts we want:
//   split     every byte its own HTTP chunk: each record spans many chunks, multi-byte UTF-8
//             characters of the task id are cut apart;
//   coalesce  records held and flushed together, minus the last 3 bytes: several records and
//             the start of the next in one chunk;
//   inject    a record with a malformed length: a clear error, then a resubscribe keeping the
//             framework id.
// A spy on RecordIODecoder.push proves the client's decoder really received those chunks.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { type DisconnectInfo, SchedulerClient } from '../../src/mesos/client';
import type { Logger } from '../../src/lib/log';
import type { Encoding } from '../../src/mesos/codec';
import { RecordIODecoder } from '../../src/mesos/recordio';
import type { FrameworkInfo, Offer, TaskInfo, TaskStatus } from '../../src/mesos/types';
import { LocalMaster } from '../../src/sim/mesos/master';
import { simulatedAgent } from '../../src/sim/mesos/simulated-agent';
import { nextEvent, until } from '../contract/mesos-fake-master';

type Mode = 'pass' | 'split' | 'coalesce';

/** Parses an HTTP/1.1 chunked body incrementally into body bytes; `ended` once the last chunk came. */
class ChunkedReader {
  private buf = Buffer.alloc(0);
  private left = -1; // data bytes still to read; 0: expecting the CRLF after the data; -1: a size line
  ended = false;

  push(data: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, data]);
    const out: Buffer[] = [];
    while (!this.ended) {
      if (this.left < 0) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) break;
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1').split(';')[0] ?? '', 16);
        if (!Number.isFinite(size)) throw new Error('proxy: bad chunk size line');
        this.buf = this.buf.subarray(eol + 2);
        if (size === 0) { this.ended = true; break; }
        this.left = size;
      }
      if (this.left > 0) {
        const take = Math.min(this.buf.length, this.left);
        if (take === 0) break;
        out.push(this.buf.subarray(0, take));
        this.buf = this.buf.subarray(take);
        this.left -= take;
        if (this.left > 0) break;
      }
      if (this.buf.length < 2) break;
      this.buf = this.buf.subarray(2);
      this.left = -1;
    }
    return out;
  }
}

/** Splits body bytes into whole RecordIO records (header included), independently of src/. */
class RecordSplitter {
  private buf = Buffer.alloc(0);
  push(data: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, data]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) break;
      const len = Number(this.buf.subarray(0, nl).toString('latin1'));
      if (this.buf.length < nl + 1 + len) break;
      out.push(this.buf.subarray(0, nl + 1 + len));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
    return out;
  }
}

const chunk = (data: Buffer): Buffer => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

/** A proxy that re-frames the subscription stream's body; other connections pass through. */
class ReframingProxy {
  mode: Mode = 'pass';
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private streamClient: net.Socket | undefined;
  private held: Buffer[] = [];
  private tail = Buffer.alloc(0);
  private flushTimer: NodeJS.Timeout | undefined;
  streamsSeen = 0;

  constructor(private readonly targetPort: number) {}

  async listen(): Promise<number> {
    this.server = net.createServer((client) => {
      client.setNoDelay(true);
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      let head = Buffer.alloc(0);
      let stream: { chunks: ChunkedReader; records: RecordSplitter } | undefined;
      let passing = false;
      upstream.on('data', (data: Buffer) => {
        if (passing) { client.write(data); return; }
        if (stream === undefined) {
          head = Buffer.concat([head, data]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          const headers = head.subarray(0, end + 4).toString('latin1');
          if (!/^HTTP\/1\.1 200/.test(headers) || !/^mesos-stream-id:/im.test(headers) || !/^transfer-encoding: chunked/im.test(headers)) {
            passing = true;
            client.write(head);
            return;
          }
          this.streamsSeen++;
          this.streamClient = client;
          this.held = [];
          this.tail = Buffer.alloc(0);
          client.write(head.subarray(0, end + 4));
          stream = { chunks: new ChunkedReader(), records: new RecordSplitter() };
          data = head.subarray(end + 4);
        }
        for (const body of stream.chunks.push(data)) {
          for (const record of stream.records.push(body)) this.emit(client, record);
        }
        if (stream.chunks.ended) client.end('0\r\n\r\n');
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  private emit(client: net.Socket, record: Buffer): void {
    if (this.mode === 'pass') {
      client.write(chunk(record));
    } else if (this.mode === 'split') {
      for (let i = 0; i < record.length; i++) client.write(chunk(record.subarray(i, i + 1)));
    } else {
      this.held.push(record);
      if (this.held.length >= 3) this.flush(false);
      else this.flushTimer ??= setTimeout(() => this.flush(true), 700); // never hold a record for long
    }
  }

  /**
   * Coalesce mode: three records held are sent in one chunk but their last 3 bytes, which go
   * with the next chunk. So a chunk holds two or more whole records and the start of another,
   * and the next one starts inside a record. `all` sends everything held.
   */
  private flush(all: boolean): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const data = Buffer.concat([this.tail, ...this.held]);
    this.held = [];
    const keep = all ? 0 : Math.min(3, data.length);
    if (data.length - keep > 0) this.streamClient?.write(chunk(data.subarray(0, data.length - keep)));
    this.tail = data.subarray(data.length - keep);
    if (this.tail.length > 0) this.flushTimer = setTimeout(() => this.flush(true), 700);
  }

  setMode(mode: Mode): void {
    if (this.mode === 'coalesce' && mode !== 'coalesce') this.flush(true);
    this.mode = mode;
  }

  /** Writes raw bytes into the current subscription body, at a record boundary. */
  inject(bytes: Buffer): void {
    assert.equal(this.mode, 'pass');
    this.streamClient?.write(chunk(bytes));
  }

  async close(): Promise<void> {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

interface Push { chunk: Buffer; records: number; pending: number }

function frameworkInfo(name: string): FrameworkInfo {
  return { user: 'root', name, failover_timeout: 60, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }] };
}

function task(id: string, offer: Offer): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 }, allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: 32 }, allocation_info: { role: '*' } },
    ],
    command: { shell: true, value: 'sleep 600' },
  };
}

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

for (const encoding of ['json', 'protobuf'] as Encoding[]) {
  describe(`mesos client RecordIO edge cases against the local master (${encoding})`, function () {
    this.timeout(30_000);
    const runId = crypto.randomBytes(3).toString('hex');
    // 2-, 3- and 4-byte UTF-8 characters; the master accepts any task id without / or spaces.
    const taskId = `t-ü-日本-🚀-${runId}-${encoding}`;
    let master: LocalMaster;
    let proxy: ReframingProxy;
    let client: SchedulerClient;
    const updates: TaskStatus[] = [];
    const offers: Offer[] = [];
    const errors: Array<{ msg?: string }> = [];
    const pushes: Push[] = [];
    let spying = false;
    const realPush = RecordIODecoder.prototype.push;
    let frameworkId = '';

    before(async function () {
      RecordIODecoder.prototype.push = function (this: RecordIODecoder, data: Buffer): Buffer[] {
        const records = realPush.call(this, data);
        if (spying) pushes.push({ chunk: Buffer.from(data), records: records.length, pending: this.pending });
        return records;
      };
      master = new LocalMaster({
        heartbeatIntervalSeconds: 0.5,
        allocationIntervalMs: 50,
        agents: [simulatedAgent({ resources: { cpus: 2, mem: 2048, disk: 4096 }, taskDelayMs: 10 })],
      });
      await master.listen(0);
      proxy = new ReframingProxy(Number(new URL(master.url).port));
      const logger: Logger = {
        debug: () => undefined, info: () => undefined, warn: () => undefined,
        error: (_obj: object, msg?: string) => { errors.push({ msg }); },
      };
      client = new SchedulerClient({
        master: `127.0.0.1:${await proxy.listen()}`,
        encoding,
        frameworkInfo: frameworkInfo(`recordio-${runId}`),
        backoff: { initialMs: 20, maxMs: 200 },
        logger,
      });
      client.on('offers', (o) => offers.push(...o));
      client.on('update', (status) => {
        updates.push(status);
        client.acknowledge(status).catch(() => undefined);
      });
    });

    afterEach(function () {
      spying = false;
      proxy?.setMode('pass'); // whatever a test left, the next one starts from plain forwarding
    });

    after(async function () {
      RecordIODecoder.prototype.push = realPush;
      await client?.stop();
      await proxy?.close();
      await master?.close();
    });

    it('decodes every record when each byte arrives in its own chunk, UTF-8 task ids intact', async function () {
      proxy.setMode('split');
      spying = true;
      const subscribed = nextEvent(client, 'subscribed');
      client.start();
      [{ frameworkId }] = await subscribed;
      await until(() => offers.length > 0, 5000, 'an offer');
      const offer = offers[0] as Offer;
      await client.launch([offer.id], [task(taskId, offer)]);
      await until(() => updates.some((u) => u.task_id.value === taskId && u.state === 'TASK_RUNNING'), 5000, 'TASK_RUNNING');
      spying = false;
      assert.deepEqual(updates.filter((u) => u.task_id.value === taskId).map((u) => u.state), ['TASK_STARTING', 'TASK_RUNNING']);
      assert.ok(pushes.length > 500, `${pushes.length} chunks`);
      assert.ok(pushes.every((p) => p.chunk.length === 1), 'one byte per chunk reached the decoder');
      assert.ok(pushes.filter((p) => p.records === 0).length > pushes.filter((p) => p.records === 1).length, 'records span chunks');
      // The task id's bytes were cut apart: the stream holds it, and lone continuation bytes came.
      const stream = Buffer.concat(pushes.map((p) => p.chunk));
      assert.ok(stream.includes(Buffer.from(taskId, 'utf8')));
      assert.ok(pushes.some((p) => isContinuation(p.chunk[0] as number)), 'a chunk boundary inside a multi-byte character');
      assert.equal(master.state().tasks.find((t) => t.taskId === taskId)?.state, 'TASK_RUNNING');
    });

    it('decodes several records, and the start of the next, delivered in one chunk', async function () {
      pushes.length = 0;
      proxy.setMode('coalesce');
      spying = true;
      const before = updates.length;
      await client.kill(taskId);
      await until(() => updates.slice(before).some((u) => u.task_id.value === taskId && u.state === 'TASK_KILLED'), 5000, 'TASK_KILLED');
      await client.reconcile([]);
      await client.revive();
      await until(() => pushes.some((p) => p.records >= 2 && p.pending > 0), 5000, 'a chunk with two records and a partial one');
      spying = false;
      assert.deepEqual(updates.slice(before).filter((u) => u.task_id.value === taskId && u.reason !== 'REASON_RECONCILIATION').map((u) => u.state), ['TASK_KILLING', 'TASK_KILLED']);
      assert.equal(client.subscribed, true);
    });

    it('a malformed length: a clear error, the stream dropped, a resubscribe with the same framework id', async function () {
      const lost = nextEvent(client, 'disconnected');
      const back = nextEvent(client, 'subscribed');
      const streams = proxy.streamsSeen;
      proxy.inject(Buffer.from('12x\n{"type":"HEARTBEAT"}'));
      const [d]: [DisconnectInfo] = await lost;
      assert.equal(d.reason, 'malformed-record');
      assert.equal((d.error as { code?: string }).code, 'MVN_ERR_RECORDIO');
      assert.match(d.error?.message ?? '', /12x/);
      assert.ok(errors.some((e) => /malformed RecordIO/.test(e.msg ?? '')), JSON.stringify(errors));
      const [info] = await back;
      assert.equal(info.resubscribed, true);
      assert.equal(info.frameworkId, frameworkId);
      assert.equal(proxy.streamsSeen, streams + 1, 'a new subscription stream');
      await until(() => master.state().frameworks.find((f) => f.id === frameworkId)?.connected === true, 5000, 'framework connected');
      assert.equal(master.state().frameworks.length, 1, 'no second framework registered');
      await client.revive(); // calls work on the new stream
    });
  });
}
