// Persistence of the embedded webapi's state: one JSON file, replaced atomically (temp + rename).
import { promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { restoreState, type VnetState } from './model';

export class StateFileError extends Error {
  readonly code = 'MVN_ERR_VNET_STATE_FILE';
}

/** Reads the state, or null when the file does not exist yet. */
export function loadStateFile(file: string): VnetState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(`cannot read OpenVNet state ${file}: ${(err as Error).message}`);
  }
  try {
    return restoreState(JSON.parse(text));
  } catch (err) {
    throw new StateFileError(`cannot parse OpenVNet state ${file}: ${(err as Error).message}`);
  }
}

let tmpCounter = 0;

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const handle = await fsp.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Serialises saves: at most one write in flight and one queued; a save() resolves once a write
 * that started after the call has reached the disk.
 */
export class StateFileWriter {
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly file: string, private readonly snapshot: () => string) {}

  save(): Promise<void> {
    if (this.queued !== null) return this.queued;
    if (this.inFlight === null) return this.start();
    const after = this.inFlight.catch(() => undefined);
    this.queued = after.then(() => {
      this.queued = null;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<void> {
    const run = writeAtomically(this.file, this.snapshot()).finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /** Waits for every pending write. */
  async flush(): Promise<void> {
    while (this.queued !== null || this.inFlight !== null) {
      await (this.queued ?? this.inFlight)?.catch(() => undefined);
    }
  }
}
