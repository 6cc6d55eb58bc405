// CNI STATUS (1.1): ready for ADDs? 50 = not available (OpenVNet or host namespace missing),
// 51 = not available and existing containers may have limited connectivity (bridge gone).
import type { DriverDeps } from '../deps';
import { linuxBridgeExists } from '../plumb/bridge-linux';
import { netnsInode } from '../plumb/netns';
import { bridgeExists } from '../plumb/ovs';
import type { NetConf } from '../cni/config';
import { CniError, CNI_CODES } from '../cni/errors';

export async function cmdStatus(deps: DriverDeps, conf: NetConf): Promise<void> {
  if (conf.hostNetns !== null && netnsInode(conf.hostNetns) === null) {
    throw new CniError(CNI_CODES.NOT_AVAILABLE, 'plugin not available', `host namespace ${conf.hostNetns} does not exist`);
  }
  if (conf.mode === 'vif' && conf.bridge !== null) {
    let present = false;
    try {
      present = conf.bridgeType === 'ovs' ? await bridgeExists(deps.run, conf.ovsDb, conf.bridge) : await linuxBridgeExists(deps.run, conf.hostNetns, conf.bridge);
    } catch (err) {
      throw new CniError(CNI_CODES.LIMITED_CONNECTIVITY, 'plugin not available, existing containers may have limited connectivity', err instanceof Error ? err.message : String(err));
    }
    if (!present) throw new CniError(CNI_CODES.LIMITED_CONNECTIVITY, 'plugin not available, existing containers may have limited connectivity', `bridge ${conf.bridge} does not exist`);
  }
  if (conf.mode === 'vif' && conf.openvnet !== null) {
    let known;
    try {
      known = await deps.registry(conf.openvnet).network(conf.name);
    } catch (err) {
      throw new CniError(CNI_CODES.NOT_AVAILABLE, 'plugin not available', `OpenVNet: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (known === null) throw new CniError(CNI_CODES.NOT_AVAILABLE, 'plugin not available', `OpenVNet has no network ${conf.name}`);
  }
}
