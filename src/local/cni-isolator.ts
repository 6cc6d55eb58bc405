// Local mode's network/cni isolator: the exec agent's container hooks. Before a task's process
// starts it gets its own network namespace (or a Docker pause container) and one CNI ADD per
// named network, all in parallel, spawned exactly as a Mesos agent spawns the plugin; the
// command then runs inside (`ip netns exec`, or `docker run --network container:<pause>`).
// When the process is gone every checkpointed network gets its DEL and the namespace goes.
import * as path from 'node:path';
import type { ContainerContext, ContainerHooks, ContainerNetworkResult } from '../sim/mesos/agent';
import { taskKey } from '../sim/mesos/agent';
import type { NetworkInfo } from '../mesos/types';
import { Checkpoints, type CheckpointedAttachment, type ContainerRecord } from './checkpoint';
import {
  attachFailureMessage, CniLaunchError, detachFailureMessage, parseResult, planAttachments, pluginEnv, reportedNetworkInfo,
  taskImage, unaddressed, type CniAttachment, type CniConfig,
} from './cni-invocation';
import type { DockerRuntime } from './docker-runtime';
import type { Run } from './exec';
import { containerNetns, dockerNames, isOwnNetns } from './names';
import { addNetns, delNetns, killNetnsProcesses, listNetns, netnsExists, netnsPath } from './netns';
import { silentLogger, type Logger } from '../lib/log';

export interface CniIsolatorOptions {
  tag: string;
  /** network name → config, as a Mesos agent reads its --network_cni_config_dir */
  configs: () => ReadonlyMap<string, CniConfig>;
  /** --network_cni_plugins_dir: CNI_PATH, and where `<type>` is looked up */
  pluginDir: string;
  /** where container checkpoints live */
  checkpointDir: string;
  /** named networks not joined (local mode's agent link, see README) */
  skipNetworks?: ReadonlySet<string>;
  run: Run;
  /** null: no Docker engine; image tasks run as processes in their namespace */
  docker: DockerRuntime | null;
  /** PATH given to plugins */
  pathEnv: string;
  pluginTimeoutMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

/** A task status note the agent adds to STARTING/RUNNING (e.g. the image was not used). */
export type TaskNote = string;

export const NO_DOCKER_NOTE = 'image not used: no Docker engine; the command ran as a process in the task\'s network namespace';

interface PluginOutcome { code: number; stdout: string; stderr: string }

export class CniIsolator implements ContainerHooks {
  private readonly checkpoints: Checkpoints;
  private readonly notes = new Map<string, TaskNote>();
  private readonly log: Pick<Logger, 'info' | 'warn'>;

  constructor(private readonly opts: CniIsolatorOptions) {
    this.checkpoints = new Checkpoints(opts.checkpointDir);
    this.log = opts.log ?? silentLogger;
  }

  /** The note for a task (by framework and task id), if any. */
  noteFor(frameworkId: string, taskId: string): TaskNote | undefined {
    return this.notes.get(taskKey(frameworkId, taskId));
  }

  async beforeStart(ctx: ContainerContext): Promise<ContainerNetworkResult | void> {
    const { task, containerId } = ctx;
    const plan = planAttachments(task, this.opts.configs(), this.opts.skipNetworks);
    const image = taskImage(task);
    const docker = image !== undefined ? this.opts.docker : null;
    if (image !== undefined && docker === null) this.notes.set(taskKey(ctx.framework.id, task.task_id.value), NO_DOCKER_NOTE);
    const envNames = [
      ...(task.command?.environment?.variables ?? []).map((v) => v.name),
      'MESOS_SANDBOX', 'MESOS_TASK_ID', 'MESOS_FRAMEWORK_ID', 'MESOS_AGENT_ID', 'MESOS_EXECUTOR_ID', 'MESOS_CONTAINER_ID',
    ];

    if (plan.attachments.length === 0 && plan.skipped.length === 0) {
      // Host networking: nothing to isolate.
      if (docker === null || image === undefined) return undefined;
      const names = dockerNames(this.opts.tag, containerId);
      this.checkpoints.writeContainer({ containerId, netns: null, docker: names, attachments: [] });
      await docker.ensureImage(image);
      return { commandPrefix: docker.hostRunPrefix({ name: names.task, image, envNames }) };
    }

    const rec: ContainerRecord = {
      containerId,
      netns: docker === null ? containerNetns(this.opts.tag, containerId) : null,
      docker: docker === null ? null : dockerNames(this.opts.tag, containerId),
      attachments: plan.attachments.map((a) => ({ networkName: a.networkName, ifName: a.ifName, pluginType: a.pluginType })),
    };
    this.checkpoints.writeContainer(rec);

    let nsPath: string;
    if (docker !== null && rec.docker !== null && image !== undefined) {
      await docker.ensureImage(image);
      const pid = await docker.startPause(rec.docker.pause);
      nsPath = `/proc/${pid}/ns/net`;
    } else {
      const ns = rec.netns as string;
      await addNetns(this.opts.run, ns);
      nsPath = netnsPath(ns);
    }

    // All ADDs of one container run in parallel, then we wait for all (B3).
    const outcomes = await Promise.allSettled(plan.attachments.map((a) => this.add(containerId, nsPath, a)));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure !== undefined) {
      // afterStop runs next and DELs whatever was attempted.
      throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
    }
    const byName = new Map<string, NetworkInfo>();
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') byName.set(plan.attachments[i].networkName, o.value);
    });
    const networkInfos = (task.container?.network_infos ?? [])
      .filter((n) => typeof n.name === 'string' && n.name !== '')
      .map((n) => byName.get(n.name as string) ?? unaddressed(n));

    if (docker !== null && rec.docker !== null && image !== undefined) {
      // Health checks enter the pause container's network namespace only (the host's files).
      return { networkInfos, commandPrefix: docker.runPrefix({ name: rec.docker.task, pause: rec.docker.pause, image, envNames }), checkPrefix: ['nsenter', `--net=${nsPath}`] };
    }
    const inNetns = ['ip', 'netns', 'exec', rec.netns as string];
    return { networkInfos, commandPrefix: inNetns, checkPrefix: inNetns };
  }

  async afterStop(ctx: ContainerContext): Promise<void> {
    this.notes.delete(taskKey(ctx.framework.id, ctx.task.task_id.value));
    await this.cleanup(ctx.containerId);
  }

  /**
   * Tears one container down from its checkpoint: task container, DEL per attempted network
   * (with CNI_NETNS only while the namespace exists), pause container / namespace. Throws when
   * a DEL failed; the checkpoint then stays for the next attempt.
   */
  async cleanup(containerId: string): Promise<void> {
    const rec = this.checkpoints.readContainer(containerId);
    if (rec === null) {
      this.checkpoints.remove(containerId);
      return;
    }
    const docker = this.opts.docker;
    if (rec.docker !== null && docker !== null) await docker.remove([rec.docker.task]).catch((e: unknown) => this.log.warn({}, String(e)));
    let nsPath: string | undefined;
    if (rec.netns !== null && netnsExists(rec.netns)) nsPath = netnsPath(rec.netns);
    if (rec.docker !== null && docker !== null) {
      const pid = await docker.pid(rec.docker.pause).catch(() => null);
      if (pid !== null) nsPath = `/proc/${pid}/ns/net`;
    }
    const attempted = this.checkpoints.attempted(rec);
    const results = await Promise.allSettled(attempted.map((a) => this.del(containerId, nsPath, a)));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason instanceof Error ? r.reason.message : r.reason));
    if (rec.docker !== null && docker !== null) await docker.remove([rec.docker.pause]).catch((e: unknown) => errors.push(String(e)));
    if (rec.netns !== null) {
      // Whatever still runs inside (a task orphaned by a crash, a stray child) goes with it.
      await killNetnsProcesses(this.opts.run, rec.netns).catch(() => 0);
      await delNetns(this.opts.run, rec.netns).catch((e: unknown) => errors.push(String(e)));
    }
    if (errors.length > 0) {
      this.log.warn({}, `cleanup of container ${containerId} incomplete: ${errors.join('; ')}`);
      throw new Error(errors.join('; '));
    }
    this.checkpoints.remove(containerId);
  }

  /** Orphans of an earlier run (checkpoints left after a crash), then our stray namespaces. */
  async recover(): Promise<{ cleaned: string[]; failed: string[] }> {
    const cleaned: string[] = [];
    const failed: string[] = [];
    for (const id of this.checkpoints.list()) {
      try {
        await this.cleanup(id);
        cleaned.push(id);
      } catch {
        failed.push(id);
      }
    }
    const prefix = `mvn-${this.opts.tag}-c-`;
    for (const ns of await listNetns(this.opts.run)) {
      if (!ns.startsWith(prefix) || !isOwnNetns(this.opts.tag, ns)) continue;
      await killNetnsProcesses(this.opts.run, ns).catch(() => 0);
      await delNetns(this.opts.run, ns).catch(() => undefined);
    }
    if (this.opts.docker !== null) {
      const stray = await this.opts.docker.listByPrefix(`mvn-${this.opts.tag}-`).catch(() => []);
      await this.opts.docker.remove(stray).catch(() => undefined);
    }
    return { cleaned, failed };
  }

  private pluginPath(type: string): string {
    return path.join(this.opts.pluginDir, type);
  }

  private spawnPlugin(type: string, env: Record<string, string>, stdin: string): Promise<PluginOutcome> {
    return this.opts.run(this.pluginPath(type), [], { env, input: stdin, timeoutMs: this.opts.pluginTimeoutMs ?? 60_000 });
  }

  private async add(containerId: string, nsPath: string, a: CniAttachment): Promise<NetworkInfo> {
    this.checkpoints.writeConf(containerId, a.networkName, a.stdin);
    const env = pluginEnv({ command: 'ADD', containerId, netns: nsPath, ifName: a.ifName, pluginDir: this.opts.pluginDir, path: this.opts.pathEnv });
    const out = await this.spawnPlugin(a.pluginType, env, a.stdin);
    if (out.code !== 0) {
      throw new CniLaunchError('MVN_ERR_CNI_PLUGIN_FAILED', attachFailureMessage(a.pluginType, containerId, a.networkName, out.stdout, out.stderr));
    }
    this.checkpoints.writeInfo(containerId, a.networkName, a.ifName, out.stdout);
    return reportedNetworkInfo(a.networkInfo, parseResult(out.stdout));
  }

  private async del(containerId: string, nsPath: string | undefined, a: CheckpointedAttachment): Promise<void> {
    const env = pluginEnv({ command: 'DEL', containerId, netns: nsPath, ifName: a.ifName, pluginDir: this.opts.pluginDir, path: this.opts.pathEnv });
    const out = await this.spawnPlugin(a.pluginType, env, a.conf);
    if (out.code !== 0) throw new Error(detachFailureMessage(a.pluginType, containerId, a.networkName, out.stdout, out.stderr));
    this.checkpoints.removeNetwork(containerId, a.networkName);
  }
}
