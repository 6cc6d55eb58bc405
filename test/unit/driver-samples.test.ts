// The shipped CNI configs (samples/cni) pass the plugin's own strict parser.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeJson, parseNetConf } from '../../driver/cni/config';

const DIR = path.resolve(__dirname, '..', '..', '..', 'samples', 'cni');

describe('driver: sample CNI configs (unit)', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.conf'));
  it('ships the three sample networks and the agent link', () => {
    assert.deepEqual(files.sort(), ['nw-vnet1.conf', 'nw-vnet2.conf', 'nw-vnet3.conf', 'vnet-agent-link.conf']);
  });
  for (const f of files) {
    it(`${f}: a single-plugin 0.2.0 config named after its file`, () => {
      const raw = decodeJson(fs.readFileSync(path.join(DIR, f), 'utf8'), f);
      const { conf } = parseNetConf(raw, { hostName: 'agent1' });
      assert.equal(conf.cniVersion, '0.2.0');
      assert.equal(conf.type, 'vnet-driver');
      assert.equal(`${conf.name}.conf`, f);
      assert.equal(raw.plugins, undefined);
      if (conf.mode === 'vif') assert.equal(conf.openvnet?.leasePolicy, `lp-${conf.name.slice(3)}`);
    });
  }
});
