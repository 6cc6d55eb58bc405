// Wraps an agent so that STARTING/RUNNING updates of some tasks carry a message, e.g. that the
// task's image was not used because no Docker engine answered. The message travels in the
// TaskStatus (status_update_event on /v2/events, the master's /master/state), the way an agent
// explains itself; the rest passes through untouched.
import type {
  Agent, AgentFramework, AgentRegistration, AgentTaskView, KillOptions,
} from '../sim/mesos/agent';
import type { TaskInfo } from '../mesos/types';

export type NoteLookup = (frameworkId: string, taskId: string) => string | undefined;

export class NotingAgent implements Agent {
  constructor(private readonly inner: Agent, private readonly noteFor: NoteLookup) {}

  get kind(): string { return this.inner.kind; }
  get hostname(): string { return this.inner.hostname; }
  get port(): number { return this.inner.port; }
  get ip(): string { return this.inner.ip; }
  get resources(): Agent['resources'] { return this.inner.resources; }

  register(registration: AgentRegistration): void {
    this.inner.register({
      agentId: registration.agentId,
      report: (status) => {
        if ((status.state === 'TASK_STARTING' || status.state === 'TASK_RUNNING') && status.message === undefined) {
          const note = this.noteFor(status.frameworkId, status.taskId);
          if (note !== undefined) {
            registration.report({ ...status, message: note });
            return;
          }
        }
        registration.report(status);
      },
    });
  }

  launch(task: TaskInfo, framework: AgentFramework): void {
    this.inner.launch(task, framework);
  }

  kill(taskId: string, framework: AgentFramework, options?: KillOptions): void {
    this.inner.kill(taskId, framework, options);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  tasks(): AgentTaskView[] {
    return this.inner.tasks();
  }
}
