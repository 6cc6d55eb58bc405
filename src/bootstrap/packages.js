'use strict';
// The Debian packages each bootstrap purpose needs, each with a file it installs (checked before
// calling apt-get). `npm start -- --ovs` and `MVN_OVS=1 npm start` both add Open vSwitch.
// Plain CommonJS, no dependencies (runs before npm ci).

const DEBIAN = {
  test: {
    zookeeper: '/usr/share/java/zookeeper.jar',
    'netcat-openbsd': '/bin/nc.openbsd',
    iproute2: '/sbin/ip',
    'openvswitch-switch': '/usr/sbin/ovs-vswitchd',
    'dnsmasq-base': '/usr/sbin/dnsmasq',
    udhcpc: '/usr/sbin/udhcpc',
    'isc-dhcp-client': '/sbin/dhclient',
    busybox: '/bin/busybox',
    'containernetworking-plugins': '/usr/lib/cni/bridge',
    'iputils-ping': '/bin/ping',
    ethtool: '/sbin/ethtool',
    'golang-go': '/usr/bin/go',
    'golang-github-appc-cni-dev': '/usr/share/gocode/src/github.com/containernetworking/cni',
    'docker.io': '/usr/sbin/dockerd',
    chromium: '/usr/bin/chromium',
    curl: '/usr/bin/curl',
  },
  start: {
    iproute2: '/sbin/ip',
    'dnsmasq-base': '/usr/sbin/dnsmasq',
    udhcpc: '/usr/sbin/udhcpc',
    busybox: '/bin/busybox',
  },
  bench: {
    iproute2: '/sbin/ip',
    'openvswitch-switch': '/usr/sbin/ovs-vswitchd',
    'containernetworking-plugins': '/usr/lib/cni/bridge',
    zookeeper: '/usr/share/java/zookeeper.jar',
    'netcat-openbsd': '/bin/nc.openbsd',
  },
};

/** package → file, for `purpose` started with `args` (what follows the purpose) in `env`. */
function wantedPackages(purpose, args, env) {
  const wanted = { ...(DEBIAN[purpose] || {}) };
  if (purpose === 'start' && (env.MVN_OVS === '1' || args.includes('--ovs'))) wanted['openvswitch-switch'] = '/usr/sbin/ovs-vswitchd';
  return wanted;
}

module.exports = { DEBIAN, wantedPackages };
