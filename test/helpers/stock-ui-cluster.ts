// What the stock Marathon UI runs against in the issue-14 tests: mesos-sim with one exec agent
// (real child processes, sandboxes with stdout/stderr, the agent's own /state and /files/*
// endpoints on 127.0.0.1:<agent port>), `serve` on it, and one app whose task serves HTTP on its
// host port, passes a MESOS_HTTP check and writes to stdout and stderr. Everything on loopback,
// private ports and a private work dir, stopped and removed by close().
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServe, type ServeHandle } from '../../src/cli/serve';
import { parseMesosSimOptions, startMesosSim } from '../../src/cli/mesos-sim';
import type { LocalMaster } from '../../src/sim/mesos/master';
import { freePort } from './ports';
import pino from 'pino';

export const STOCK_APP_ID = '/stock/web';

/** The task: a tiny HTTP server on its first host port, after a line on stdout and one on stderr. */
export function stockApp(): Record<string, unknown> {
  const server = "require('http').createServer((q,r)=>r.end('ok')).listen(+process.env.PORT0,'127.0.0.1')";
  return {
    id: STOCK_APP_ID,
    cmd: `echo stock-ui-stdout; echo stock-ui-stderr >&2; exec '${process.execPath}' -e "${server}"`,
    cpus: 0.1, mem: 32, instances: 1,
    portDefinitions: [{ port: 0, name: 'http' }],
    healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0, path: '/', delaySeconds: 0, gracePeriodSeconds: 30, intervalSeconds: 1, timeoutSeconds: 2, maxConsecutiveFailures: 3 }],
  };
}

export interface StockUiCluster {
  master: LocalMaster;
  masterUrl: string;
  agentUrl: string;
  serve: ServeHandle;
  workDir: string;
  close(): Promise<void>;
}

export async function startStockUiCluster(): Promise<StockUiCluster> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-stock-ui-'));
  const masterPort = await freePort();
  const agentPort = await freePort();
  const config = parseMesosSimOptions({
    listen: `127.0.0.1:${masterPort}`, agents: '1', exec: true, agentPort: String(agentPort), workDir: path.join(workDir, 'agent'), heartbeat: '1', statusRetryMs: '500',
  });
  const master = await startMesosSim(config, pino({ level: 'silent' }));
  let serve: ServeHandle | undefined;
  try {
    serve = await startServe({
      master: master.url, httpPort: 0, listenHost: '127.0.0.1', logger: false, ui: false, state: 'memory:',
      reconciliationInitialDelayMs: 200, scheduler: { housekeepingIntervalMs: 100 },
    });
  } catch (err) {
    await master.close();
    fs.rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const s = serve;
  return {
    master, masterUrl: master.url, agentUrl: `http://127.0.0.1:${agentPort}`, serve: s, workDir,
    async close() {
      await s.close().catch(() => undefined);
      await master.close().catch(() => undefined);
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
