// Waiting in tests for something that happens asynchronously: `f` is called every `everyMs`
// until it returns a value other than undefined, which the promise then yields; past the
// deadline it rejects with "timed out waiting for <what>". With `retryErrors`, a throwing `f`
// is tried again (the last error is named in the timeout); otherwise its error ends the wait.

export interface PollOptions { timeoutMs: number; everyMs: number; retryErrors?: boolean }

export type Poll = <T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs?: number) => Promise<T>;

export function poller(defaults: PollOptions): Poll {
  return async <T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = defaults.timeoutMs): Promise<T> => {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await f();
        if (v !== undefined) return v;
      } catch (err) {
        if (defaults.retryErrors !== true) throw err;
        last = err;
      }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
      await new Promise((r) => setTimeout(r, defaults.everyMs));
    }
  };
}
