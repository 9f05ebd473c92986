#!/usr/bin/env bash
# Idempotent: prepares the Linux reference DUT's virtual machine for hosts whose kernel has no SRv6 lightweight tunnels
# (CONFIG_IPV6_SEG6_LWTUNNEL not set). Opt-in: scripts/setup.sh calls it when SRV6CONF_LINUX_DUT_VM=1.
#
# Installs qemu-system-x86 (Debian package) and unpacks, never installs, Debian 12's generic 6.12 kernel
# (linux-image-6.12-amd64's current image: it has SRv6 with the PSP flavor, virtio-net and 9p) and busybox-static into the cache directory:
#   $SRV6CONF_DUT_VM_CACHE (default /var/cache/srv6conf/dut-vm)/
#     vmlinuz  initrd.gz  busybox  modules/<release>/ (modules.dep and modules.alias made by busybox depmod)
#     READY ("<release> <format>": the stamp that makes a second run do nothing)
# The VM boots that kernel with the host's own root file system over virtio-9p, read-only under a tmpfs overlay
# (src/Conformance.Harness/Lab/DutVm.cs); the host kernel is not touched. Nothing else is downloaded.
set -euo pipefail
log() { printf 'setup-dut-vm: %s\n' "$*" >&2; }
cache=${SRV6CONF_DUT_VM_CACHE:-/var/cache/srv6conf/dut-vm}
[ "$(id -u)" = 0 ] || { log "run as root"; exit 2; }

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  log "installing qemu-system-x86"
  # A fresh machine's package lists may not know the package yet (scripts/setup.sh updates them only when it installs).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; }
fi

# The image package the meta-package currently points at (e.g. linux-image-6.12.118+deb12-amd64). Debian 12's own 6.1 has
# seg6local but rejects the PSP flavor ("Unsupported Flavor operation(s)") the reference lab's profile claims; Debian 12
# also packages 6.12 (linux-image-6.12-amd64), which has it.
meta=${SRV6CONF_DUT_VM_KERNEL:-linux-image-6.12-amd64}
image=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
if [ -z "$image" ]; then apt-get update -qq; image=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1); fi
[ -n "$image" ] || { log "cannot resolve $meta's kernel image package (apt-get update?)"; exit 2; }
release=${image#linux-image-}
format=2   # raise when the cache's layout or the initramfs changes
if [ -f "$cache/READY" ] && [ "$(cat "$cache/READY")" = "$release $format" ]; then
  exit 0
fi
log "preparing the DUT VM kernel $release in $cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$image" busybox-static >/dev/null 2>&1) || { log "apt-get download $image busybox-static failed"; exit 2; }
mkdir -p "$work/x"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$work/x"; done
bb="$work/x/bin/busybox"
mods="$work/x/lib/modules/$release"
grep -q '^CONFIG_IPV6_SEG6_LWTUNNEL=y' "$work/x/boot/config-$release" || { log "$image has no CONFIG_IPV6_SEG6_LWTUNNEL"; exit 2; }
# Compressed modules (.ko.xz) unpacked: busybox's insmod and modprobe load them as plain files.
find "$mods" -name '*.ko.xz' -exec xz -d {} +
"$bb" depmod -b "$work/x" "$release"

# The initramfs: busybox, the modules to reach the host's root (virtio-pci, virtio-net, 9p, overlay) and /init.
ird="$work/initrd"
mkdir -p "$ird"/{bin,proc,sys,dev,host,rw,newroot,mods}
cp "$bb" "$ird/bin/busybox"
for a in sh mount umount insmod mkdir switch_root cat echo; do ln -s busybox "$ird/bin/$a"; done
# Each wanted module after its dependencies (modules.dep); built-in ones need nothing.
load=""
want() {
  local m=$1 line d
  case " $load " in *" $m "*) return 0;; esac
  line=$(grep -E "(^|/)$m\.ko:" "$mods/modules.dep" || true)
  if [ -z "$line" ]; then
    grep -qE "/$m\.ko\$" "$mods/modules.builtin" && return 0
    log "module $m is not in $image"; exit 2
  fi
  for d in $(echo "${line#*:}" | tr ' ' '\n' | tac); do want "$(basename "$d" .ko)"; done
  cp "$mods/${line%%:*}" "$ird/mods/"
  load="$load $m"
}
for m in virtio_pci virtio_net 9pnet_virtio 9p overlay; do want "$m"; done
load=${load# }
cat > "$ird/init" <<EOF
#!/bin/sh
# srv6conf DUT VM: host root over 9p (read-only) under a tmpfs overlay, then busybox init runs \$vminit (kernel command line).
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $load; do insmod /mods/\$m.ko || echo "srv6conf-vm: insmod \$m failed"; done
fail() { echo "srv6conf-vm: \$*"; echo o > /proc/sysrq-trigger; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host || fail "cannot mount the host root (9p)"
mount -t tmpfs -o size=256m tmpfs /rw && mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "cannot mount the overlay"
mkdir -p /newroot/etc
printf '::sysinit:/bin/sh %s\n::shutdown:/bin/true\n' "\$vminit" > /newroot/etc/inittab
umount /proc /sys /dev
exec switch_root /newroot "\$vmbusybox" init
EOF
chmod +x "$ird/init"
(cd "$ird" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1 > "$work/initrd.gz")

rm -rf "$cache.new" && mkdir -p "$cache.new/modules"
cp "$work/x/boot/vmlinuz-$release" "$cache.new/vmlinuz"
cp "$work/initrd.gz" "$cache.new/initrd.gz"
cp "$bb" "$cache.new/busybox"
cp -a "$mods" "$cache.new/modules/$release"
echo "$release $format" > "$cache.new/READY"
rm -rf "$cache" && mv "$cache.new" "$cache"
log "ready: $cache ($release)"
