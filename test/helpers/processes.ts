// Child processes in tests. `run`: a command from an argument array (never a shell string),
// output captured, the exit code returned; one that cannot start at all (not installed) rejects,
// so a leftover check can never pass just because its command was missing. `stopProcess`: a
// daemon stopped by its PID with a signal, SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult { code: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.once('error', reject);
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Sends `signal` to a process still running, SIGKILL after `graceMs`, and waits for `exited`. */
export async function stopProcess(child: ChildProcess | undefined, exited: Promise<unknown>, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
