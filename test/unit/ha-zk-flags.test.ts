// Marathon's zk_* flags (either spelling) → ZkTuning → store/election options and /v2/info.
import assert from 'node:assert/strict';
import { Command } from 'commander';
import {
  addZkFlags, DEFAULT_ZK_TUNING, zkElectionOptions, ZkFlagError, zkStoreOptions, zookeeperConfig, zkTuningFromFlags,
} from '../../src/cli/zk-flags';

function parse(args: string[]): Record<string, unknown> {
  const cmd = addZkFlags(new Command('serve').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

describe('zk flags', () => {
  it('defaults are Marathon’s', () => {
    assert.deepEqual(zkTuningFromFlags(parse([])), DEFAULT_ZK_TUNING);
    assert.deepEqual(DEFAULT_ZK_TUNING, {
      timeoutMs: 10000, sessionTimeoutMs: 10000, connectionTimeoutMs: 10000, maxVersions: 50, compression: true,
      compressionThreshold: 65536, maxNodeSize: 1048576,
    });
  });

  const rows: Array<[string, string[], Partial<typeof DEFAULT_ZK_TUNING>]> = [
    ['underscore spelling', ['--zk_timeout', '3000', '--zk_session_timeout', '2000', '--zk_connection_timeout', '5000'], { timeoutMs: 3000, sessionTimeoutMs: 2000, connectionTimeoutMs: 5000 }],
    ['dash spelling', ['--zk-timeout', '3000', '--zk-max-versions', '7', '--zk-max-node-size', '524288'], { timeoutMs: 3000, maxVersions: 7, maxNodeSize: 524288 }],
    ['compression off', ['--disable_zk_compression', '--zk_compression_threshold', '100'], { compression: false, compressionThreshold: 100 }],
    ['compression on, explicitly', ['--zk_compression'], { compression: true }],
  ];
  for (const [why, args, expected] of rows) {
    it(`reads ${why}`, () => assert.deepEqual(zkTuningFromFlags(parse(args)), { ...DEFAULT_ZK_TUNING, ...expected }));
  }

  const bad: Array<[string, string[]]> = [
    ['a non-number', ['--zk_timeout', 'soon']],
    ['a session below a second', ['--zk_session_timeout', '500']],
    ['no versions', ['--zk_max_versions', '0']],
    ['a negative threshold', ['--zk_compression_threshold', '-1']],
    ['contradicting compression switches', ['--zk_compression', '--disable-zk-compression']],
  ];
  for (const [why, args] of bad) {
    it(`refuses ${why}`, () => assert.throws(() => zkTuningFromFlags(parse(args)), (e: unknown) => e instanceof ZkFlagError && e.code === 'MVN_ERR_ZK_FLAG'));
  }

  it('maps onto store and election options (no compression = never gzip, still chunked)', () => {
    const t = { ...DEFAULT_ZK_TUNING, timeoutMs: 3000, sessionTimeoutMs: 2000, compression: false };
    assert.deepEqual(zkStoreOptions(t), {
      operationTimeoutMs: 3000, sessionTimeoutMs: 2000, connectTimeoutMs: 10000, failFastAfterMs: 3000, maxVersions: 50,
      compressionThreshold: Number.POSITIVE_INFINITY, maxNodeSize: 1048576,
    });
    assert.equal(zkStoreOptions(DEFAULT_ZK_TUNING).failFastAfterMs, 4000);
    assert.deepEqual(zkElectionOptions(t), { sessionTimeoutMs: 2000, operationTimeoutMs: 3000, connectTimeoutMs: 10000 });
  });

  it('renders /v2/info zookeeper_config', () => {
    assert.deepEqual(zookeeperConfig('zk://h:2181/m', DEFAULT_ZK_TUNING), {
      zk: 'zk://h:2181/m', zk_compression: true, zk_compression_threshold: 65536, zk_connection_timeout: 10000,
      zk_max_node_size: 1048576, zk_max_versions: 50, zk_session_timeout: 10000, zk_timeout: 10000,
    });
  });
});
