#!/usr/bin/env node
'use strict';
// Makes a fresh clone runnable: installs npm packages when node_modules is missing or stale,
// installs the Debian packages a purpose needs when they are absent (root only), then builds.
// Plain CommonJS with no dependencies: it runs before anything else exists.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const purpose = process.argv[2] || 'build';

// Debian package → a file it installs; checked before calling apt-get.
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

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`ensure: ${cmd} ${args.join(' ')} exited with ${r.status}`);
    process.exit(r.status || 1);
  }
}

function ensureNpm() {
  const lock = path.join(root, 'package-lock.json');
  const stamp = path.join(root, 'node_modules', '.package-lock.json');
  const stale = !fs.existsSync(stamp) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(stamp).mtimeMs + 1000);
  if (stale) {
    console.error('ensure: installing npm packages (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
}

function ensureDebian() {
  const wanted = DEBIAN[purpose] || {};
  if (process.env.MVN_OVS === '1' && purpose === 'start') wanted['openvswitch-switch'] = '/usr/sbin/ovs-vswitchd';
  const missing = Object.entries(wanted).filter(([, file]) => !fs.existsSync(file)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    console.error(`ensure: Debian packages missing (${missing.join(' ')}); run as root or install them: apt-get install ${missing.join(' ')}`);
    return;
  }
  if (!fs.existsSync('/usr/bin/apt-get')) {
    console.error(`ensure: no apt-get; please install: ${missing.join(' ')}`);
    return;
  }
  console.error(`ensure: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

function build() {
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  run(process.execPath, [path.join(root, 'src', 'bootstrap', 'bundle-driver.js')]);
  run(process.execPath, [path.join(root, 'src', 'ui', 'build.js')]);
}

ensureNpm();
ensureDebian();
build();
