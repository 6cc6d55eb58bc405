// Linux bridges: the port attach itself is one `master` line in the veth batch (link.ts).
import { ipBatch, showLink } from './ip';
import type { Runner } from './exec';

export async function linuxBridgeExists(run: Runner, ns: string | null, bridge: string): Promise<boolean> {
  const l = await showLink(run, ns, bridge);
  return l !== null && l.kind === 'bridge';
}

export async function createLinuxBridge(run: Runner, ns: string | null, bridge: string, mtu: number | null): Promise<void> {
  if (await linuxBridgeExists(run, ns, bridge)) return;
  await ipBatch(run, ns, [
    ['link', 'add', bridge, ...(mtu === null ? [] : ['mtu', String(mtu)]), 'type', 'bridge'],
    ['link', 'set', bridge, 'up'],
  ]);
}
