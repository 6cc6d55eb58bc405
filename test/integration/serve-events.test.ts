// /v2/events (SSE), /metrics, /ping, /, /v2/leader (abdicate and come back).
import assert from 'node:assert/strict';
import * as httpMod from 'node:http';
import * as net from 'node:net';
import { eventually, http, runningTasks, startCluster, type Cluster } from './serve-fixture';

interface Sse { events: Array<{ event: string; data: Record<string, unknown> }>; close(): void; status: number; contentType: string }

function openSse(base: string, query = ''): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const req = httpMod.get(`${base}/v2/events${query}`, { headers: { Accept: 'text/event-stream' } }, (res) => {
      const out: Sse = { events: [], close: () => req.destroy(), status: res.statusCode ?? 0, contentType: String(res.headers['content-type']) };
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev = /^event: (.+)$/m.exec(frame);
          const data = /^data: (.+)$/m.exec(frame);
          if (ev !== null && data !== null) out.events.push({ event: ev[1], data: JSON.parse(data[1]) as Record<string, unknown> });
        }
      });
      res.on('error', () => undefined);
      resolve(out);
    });
    req.on('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
  });
}

describe('serve: events, metrics, ping, leader', function () {
  this.timeout(30_000);
  let c: Cluster;
  before(async () => { c = await startCluster(); });
  after(async () => { await c?.close(); });

  it('GET /v2/events without Accept: text/event-stream is refused', async () => {
    const r = await http(c.serve.url, 'GET', '/v2/events');
    assert.equal(r.status, 406);
  });

  it('streams the deployment of an app with every event type it produces', async () => {
    const all = await openSse(c.serve.url);
    const filtered = await openSse(c.serve.url, '?event_type=deployment_success&event_type=app_terminated_event');
    assert.equal(all.status, 200);
    assert.match(all.contentType, /^text\/event-stream/);
    const r = await http(c.serve.url, 'POST', '/v2/apps', { id: '/ev/app', cmd: 'sleep 9', cpus: 0.1, mem: 16, instances: 1 });
    assert.equal(r.status, 201);
    await runningTasks(c.serve.url, '/ev/app', 1);
    await eventually('deployment_success', () => (all.events.some((e) => e.event === 'deployment_success') ? true : undefined));
    assert.equal((await http(c.serve.url, 'DELETE', '/v2/apps/ev/app')).status, 200);
    await eventually('app_terminated_event', () => (filtered.events.some((e) => e.event === 'app_terminated_event') ? true : undefined));
    const types = new Set(all.events.map((e) => e.event));
    for (const t of ['event_stream_attached', 'api_post_event', 'group_change_success', 'deployment_info', 'status_update_event',
      'instance_changed_event', 'deployment_step_success', 'deployment_success', 'app_terminated_event']) {
      assert.ok(types.has(t), `${t} in ${[...types].join(',')}`);
    }
    for (const e of all.events) {
      assert.equal(e.data.eventType, e.event);
      assert.match(String(e.data.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const running = all.events.find((e) => e.event === 'status_update_event' && e.data.taskStatus === 'TASK_RUNNING');
    assert.ok(running);
    for (const k of ['slaveId', 'taskId', 'appId', 'host', 'ipAddresses', 'ports', 'version']) assert.ok(k in running.data, k);
    assert.deepEqual([...new Set(filtered.events.map((e) => e.event))].sort(), ['app_terminated_event', 'deployment_success']);
    const before = all.events.length;
    filtered.close();
    await eventually('event_stream_detached', () => (all.events.slice(before).some((e) => e.event === 'event_stream_detached') ? true : undefined));
    all.close();
  });

  it('event_stream_attached and _detached carry the remote address', async () => {
    const watcher = await openSse(c.serve.url);
    const other = await openSse(c.serve.url);
    await eventually('attached', () => (watcher.events.some((e) => e.event === 'event_stream_attached') ? true : undefined));
    other.close();
    const detached = await eventually('detached', () => watcher.events.find((e) => e.event === 'event_stream_detached'));
    assert.equal(detached.data.remoteAddress, '127.0.0.1');
    assert.equal(watcher.events.find((e) => e.event === 'event_stream_attached')?.data.remoteAddress, '127.0.0.1');
    watcher.close();
  });

  it('a subscriber that stops reading is cut off before the server buffers without bound', async () => {
    const baseline = c.serve.bus.listenerCount();
    const port = Number(new URL(c.serve.url).port);
    const stalled = net.connect(port, '127.0.0.1');
    let closedByServer = false;
    stalled.on('close', () => { closedByServer = true; });
    stalled.on('error', () => undefined);
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.write('GET /v2/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    stalled.pause(); // never reads: the kernel buffers fill, then the server's
    await eventually('the stalled stream to subscribe', () => (c.serve.bus.listenerCount() === baseline + 1 ? true : undefined));
    const pad = 'x'.repeat(512 * 1024);
    // 48 MiB of events: far beyond socket buffers plus the server's 8 MiB allowance
    for (let i = 0; i < 96 && c.serve.bus.listenerCount() > baseline; i++) {
      c.serve.bus.publish('framework_message_event', { message: pad, n: i });
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(c.serve.bus.listenerCount(), baseline, 'the stalled subscriber was dropped');
    stalled.resume(); // drain what the kernel holds: the stream then ends (the server closed it)
    await eventually('the connection closed by the server', () => (closedByServer ? true : undefined));
    stalled.destroy();
  });

  it('/metrics is Prometheus text; /ping pongs; / redirects to ui/', async () => {
    const m = await http(c.serve.url, 'GET', '/metrics', undefined, { Accept: 'text/plain' });
    assert.equal(m.status, 200);
    assert.match(m.text, /^# HELP marathon_apps /m);
    assert.match(m.text, /marathon_http_requests_total\{method="GET",status="200"\} \d+/);
    const p = await fetch(`${c.serve.url}/ping`, { headers: { Accept: 'text/plain' } });
    assert.equal(await p.text(), 'pong');
    assert.match(p.headers.get('content-type') ?? '', /^text\/plain/);
    const j = await fetch(`${c.serve.url}/ping`, { headers: { Accept: 'application/json' } });
    assert.equal(await j.json(), 'pong');
    const root = await fetch(`${c.serve.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), 'ui/');
    const unknown = await http<{ message: string }>(c.serve.url, 'GET', '/v2/nothing');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.message, 'URI not found');
  });

  it('DELETE /v2/leader abdicates; serve comes back as leader with the same framework id and keeps scheduling', async () => {
    const info = await http<{ frameworkId: string; leader: string }>(c.serve.url, 'GET', '/v2/info');
    const r = await http<{ message: string }>(c.serve.url, 'DELETE', '/v2/leader');
    assert.equal(r.status, 200);
    assert.equal(r.body.message, 'Leadership abdicated');
    await eventually('leader again', async () => {
      const l = await http<{ leader: string }>(c.serve.url, 'GET', '/v2/leader');
      return l.status === 200 && l.body.leader === info.body.leader ? true : undefined;
    });
    const created = await eventually('accepting writes', async () => {
      const p = await http(c.serve.url, 'POST', '/v2/apps', { id: '/ev/after', cmd: 'sleep 9', cpus: 0.1, mem: 16 });
      return p.status === 201 ? p : undefined;
    });
    assert.equal(created.status, 201);
    await runningTasks(c.serve.url, '/ev/after', 1);
    const after = await http<{ frameworkId: string }>(c.serve.url, 'GET', '/v2/info');
    assert.equal(after.body.frameworkId, info.body.frameworkId);
  });
});
