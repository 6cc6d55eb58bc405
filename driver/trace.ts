// VNET_DRIVER_TRACE=1: one stderr line per traced event, milliseconds since the process began
// (performance.now() counts from node's own start, so the first line shows boot + load cost)
// and the CPU time (user + system, all threads) the process has used so far.
let on: boolean | null = null;

function enabled(): boolean {
  if (on === null) on = process.env.VNET_DRIVER_TRACE === '1';
  return on;
}

function stamp(): string {
  const c = process.cpuUsage();
  return `${performance.now().toFixed(1)} ms (cpu ${((c.user + c.system) / 1000).toFixed(1)})`;
}

export function trace(what: string): void {
  if (enabled()) process.stderr.write(`vnet-driver trace ${stamp()} ${what}\n`);
}

/** Times one awaited operation. */
export async function traced<T>(what: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled()) return fn();
  const t = performance.now();
  try {
    return await fn();
  } finally {
    process.stderr.write(`vnet-driver trace ${stamp()} ${what} took ${(performance.now() - t).toFixed(1)} ms\n`);
  }
}
