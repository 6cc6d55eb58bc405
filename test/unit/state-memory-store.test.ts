import { MemoryBackend, MemoryStore } from '../../src/state/memory-store';
import { StateStore } from '../../src/state/store';
import { stateStoreContract } from '../helpers/state-contract';

describe('state: memory store (StateStore contract)', () => {
  stateStoreContract(async () => {
    const backend = new MemoryBackend();
    const opened: StateStore[] = [];
    return {
      async open(options) {
        const store = new MemoryStore({ backend, maxVersions: options?.maxVersions });
        opened.push(store);
        return store;
      },
      async dispose() {
        await Promise.all(opened.map((s) => s.close()));
      },
    };
  });
});
