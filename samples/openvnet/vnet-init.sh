#!/bin/bash
# Creates the sample OpenVNet networks (the same records as samples/openvnet/networks.json):
# nw-vnet1 and nw-vnet2 on 10.0.0.0/24, nw-vnet3 on 192.168.0.0/24, a DHCP service on each
# (simulated interface at .2), and a dynamic pool .100-.200 per network behind lease policies
# lp-vnet1..3. Works against real OpenVNet and against `marathon-vnet vnet-api`.
#   VNET_API=http://vnmgr:9090 ./vnet-init.sh
set -euo pipefail

API="${VNET_API:-http://127.0.0.1:9090}/api"

# post PATH [name=value ...]: form-encoded POST; fails on any non-200 answer.
post() {
  local path="$1"; shift
  local args=() kv out code
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  out=$(curl -s -X POST -w '\n%{http_code}' "${args[@]}" "${API}${path}") || { echo "POST ${path}: curl failed" >&2; exit 1; }
  code="${out##*$'\n'}"
  if [ "$code" != "200" ]; then
    echo "POST ${path} -> ${code}: ${out%$'\n'*}" >&2
    exit 1
  fi
}

# network UUID NAME SUBNET
network() {
  post /networks "uuid=$1" "display_name=$2" "ipv4_network=$3" "ipv4_prefix=24" "network_mode=virtual"
}

# dhcp NETWORK INTERFACE SERVICE MAC IP: a simulated interface answering DHCP on the network
dhcp() {
  post /interfaces "uuid=$2" "mode=simulated" "network_uuid=$1" "mac_address=$4" "ipv4_address=$5"
  post /network_services "uuid=$3" "mode=dhcp" "interface_uuid=$2"
}

# pool NETWORK RANGE_GROUP RANGE POLICY BEGIN END
pool() {
  post /ip_range_groups "uuid=$2" "allocation_type=incremental"
  post "/ip_range_groups/$2/ip_ranges" "uuid=$3" "begin_ipv4_address=$5" "end_ipv4_address=$6"
  post /lease_policies "uuid=$4" "mode=simple" "timing=immediate"
  post "/lease_policies/$4/networks/$1" "ip_range_group_uuid=$2"
}

network nw-vnet1 vnet1 10.0.0.0
network nw-vnet2 vnet2 10.0.0.0
network nw-vnet3 vnet3 192.168.0.0

dhcp nw-vnet1 if-dhcp1 ns-dhcp1 02:00:00:00:01:01 10.0.0.2
dhcp nw-vnet2 if-dhcp2 ns-dhcp2 02:00:00:00:02:01 10.0.0.2
dhcp nw-vnet3 if-dhcp3 ns-dhcp3 02:00:00:00:03:01 192.168.0.2

pool nw-vnet1 iprg-vnet1 ipr-vnet1 lp-vnet1 10.0.0.100 10.0.0.200
pool nw-vnet2 iprg-vnet2 ipr-vnet2 lp-vnet2 10.0.0.100 10.0.0.200
pool nw-vnet3 iprg-vnet3 ipr-vnet3 lp-vnet3 192.168.0.100 192.168.0.200

echo "OpenVNet networks ready at ${API}"
