import { mesosFixturesDir } from '../test/helpers/fixtures';
// Subscription stream decoding speed: RecordIO framing + Event decoding, JSON and protobuf,
// against the floor of a plain JSON.parse of the same JSON payloads (already split, no framing).
// The stream is OFFERS and UPDATE events (from the Mesos 1.11 recordings when available) repeated
// to ~50 MB of JSON, fed in chunks of varying size as a socket would deliver them.
import fs from 'node:fs';
import path from 'node:path';
import { type Encoding, decodeEvent, encodeEvent } from '../src/mesos/codec';
import { RecordIODecoder, encodeRecord } from '../src/mesos/recordio';
import type { Event } from '../src/mesos/types';

const TARGET_BYTES = Number(process.env.MVN_BENCH_MESOS_MB ?? 50) * 1024 * 1024;
const CHUNK_SIZES = [1460, 16 * 1024, 3000, 64 * 1024, 512, 256 * 1024, 8192];

function fixtureEvents(): Event[] | undefined {
  const dirs = [mesosFixturesDir()];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, 'lifecycle-json.stream.bin');
    if (!fs.existsSync(file)) continue;
    const events = new RecordIODecoder().push(fs.readFileSync(file)).map((r) => decodeEvent(r, 'json'));
    const wanted = events.filter((e) => e.type === 'OFFERS' || e.type === 'UPDATE');
    if (wanted.length > 0) return wanted;
  }
  return undefined;
}

/** Stand-ins shaped like the recordings, for checkouts without the fixtures. */
function syntheticEvents(): Event[] {
  const agent = { value: '91bd5acd-ef65-4821-88e5-287772fa4543-S0' };
  const offer: Event = {
    type: 'OFFERS',
    offers: {
      offers: [{
        id: { value: 'ad0bf1ae-dffe-4a91-a428-f4706013b64a-O3' },
        framework_id: { value: 'ad0bf1ae-dffe-4a91-a428-f4706013b64a-0003' },
        agent_id: agent,
        hostname: '127.0.0.1',
        url: { scheme: 'http', address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: 5051 }, path: '/slave(1)' },
        resources: [
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*', allocation_info: { role: '*' } },
          { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: '*', allocation_info: { role: '*' } },
          { name: 'mem', type: 'SCALAR', scalar: { value: 4096 }, role: '*', allocation_info: { role: '*' } },
          { name: 'disk', type: 'SCALAR', scalar: { value: 10240 }, role: '*', allocation_info: { role: '*' } },
        ],
        allocation_info: { role: '*' },
      }],
    },
  };
  const update: Event = {
    type: 'UPDATE',
    update: {
      status: {
        task_id: { value: 'vnettest.instance-0b6e._app.1' },
        state: 'TASK_RUNNING',
        source: 'SOURCE_EXECUTOR',
        agent_id: agent,
        executor_id: { value: 'vnettest.instance-0b6e._app.1' },
        timestamp: 1795307077.440858,
        uuid: 'gu9+k8lcRYiIhjX/p6eCsw==',
        container_status: {
          container_id: { value: '85a7c7a5-1c8b-4d5c-9d1f-0c6c1d3c2f11' },
          network_infos: [{ name: 'nw-vnet1', ip_addresses: [{ protocol: 'IPv4', ip_address: '10.100.0.101' }] }],
          executor_pid: 4242,
        },
      },
    },
  };
  return [offer, update, update];
}

interface Stream {
  json: Buffer;
  protobuf: Buffer;
  jsonPayloads: Buffer[];
  events: number;
}

function buildStream(events: Event[]): Stream {
  const jsonRecords = events.map((e) => encodeRecord(encodeEvent(e, 'json')));
  const pbRecords = events.map((e) => encodeRecord(encodeEvent(e, 'protobuf')));
  const payloads = events.map((e) => encodeEvent(e, 'json'));
  const json: Buffer[] = [];
  const protobuf: Buffer[] = [];
  const jsonPayloads: Buffer[] = [];
  let size = 0;
  let count = 0;
  while (size < TARGET_BYTES) {
    for (let i = 0; i < events.length; i++) {
      json.push(jsonRecords[i] as Buffer);
      protobuf.push(pbRecords[i] as Buffer);
      jsonPayloads.push(payloads[i] as Buffer);
      size += (jsonRecords[i] as Buffer).length;
      count++;
    }
  }
  return { json: Buffer.concat(json), protobuf: Buffer.concat(protobuf), jsonPayloads, events: count };
}

function chunksOf(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = CHUNK_SIZES[k++ % CHUNK_SIZES.length] as number;
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function decodeStream(chunks: Buffer[], encoding: Encoding): number {
  const decoder = new RecordIODecoder();
  let n = 0;
  for (const chunk of chunks) {
    for (const record of decoder.push(chunk)) {
      const event = decodeEvent(record, encoding);
      if (event.type) n++;
    }
  }
  return n;
}

function parseBaseline(payloads: Buffer[]): number {
  let n = 0;
  for (const p of payloads) {
    const event = JSON.parse(p.toString('utf8')) as Event;
    if (event.type) n++;
  }
  return n;
}

/** Best of `rounds` timings, in events per second. */
function measure(rounds: number, events: number, fn: () => number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    const n = fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (n !== events) throw new Error(`decoded ${n} events, expected ${events}`);
    best = Math.min(best, ms);
  }
  return events / (best / 1000);
}

export async function run(): Promise<void> {
  const source = fixtureEvents();
  const stream = buildStream(source ?? syntheticEvents());
  const jsonChunks = chunksOf(stream.json);
  const pbChunks = chunksOf(stream.protobuf);
  const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `mesos stream: ${stream.events} OFFERS/UPDATE events (${source ? 'recorded' : 'synthetic'}), `
    + `JSON ${mb(stream.json.length)} MB in ${jsonChunks.length} chunks, protobuf ${mb(stream.protobuf.length)} MB in ${pbChunks.length} chunks\n`,
  );
  // One warm-up pass each so the JIT and protobufjs' generated code are ready.
  decodeStream(jsonChunks.slice(0, 200), 'json');
  decodeStream(pbChunks.slice(0, 200), 'protobuf');
  const rounds = 3;
  const baseline = measure(rounds, stream.events, () => parseBaseline(stream.jsonPayloads));
  const json = measure(rounds, stream.events, () => decodeStream(jsonChunks, 'json'));
  const protobuf = measure(rounds, stream.events, () => decodeStream(pbChunks, 'protobuf'));
  const fmt = (v: number): string => `${Math.round(v).toLocaleString('en-US')} events/s`;
  process.stdout.write(`  baseline JSON.parse (pre-split payloads): ${fmt(baseline)}\n`);
  process.stdout.write(`  RecordIO + JSON:     ${fmt(json)}  ratio ${(json / baseline).toFixed(2)}\n`);
  process.stdout.write(`  RecordIO + protobuf: ${fmt(protobuf)}  ratio ${(protobuf / baseline).toFixed(2)}\n`);
}
