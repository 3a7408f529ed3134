#!/usr/bin/env bash
# Puts what a small QEMU guest of dvmc boots into DVMC_GUEST_DIR (default /var/cache/dvmc/guest), from Debian's
# archive only, without installing or booting either package: the kernel of linux-image-amd64 with its virtio-net
# modules (Debian builds virtio_net as a module and without the kernel's own ip= autoconfiguration, so the guest's
# initramfs loads the modules and runs DHCP itself), and busybox-static's /bin/busybox (busybox-static conflicts
# with the busybox package the tests' namespaces use). The VM test builds its initramfs from these.
# Idempotent: a complete directory is left untouched and nothing is fetched.
set -euo pipefail

dir=${DVMC_GUEST_DIR:-/var/cache/dvmc/guest}
# Load order: each module after the ones whose symbols it uses.
modules=(
  drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
  drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/core/failover drivers/net/net_failover
  drivers/net/virtio_net
)

if [ -s "$dir/vmlinuz" ] && [ -x "$dir/busybox" ] && [ -s "$dir/modules.order" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt-get download runs as _apt where it can

kernel=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kernel" ] || ! (cd "$work" && apt-get download -q "$kernel" busybox-static > /dev/null 2>&1); then
  $sudo apt-get update -q
  kernel=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  (cd "$work" && apt-get download -q "$kernel" busybox-static)
fi
echo "dvmc: guest kernel from $kernel, busybox from busybox-static, into $dir"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done

$sudo mkdir -p "$dir/modules"
release=$(ls "$work/root/lib/modules")
$sudo cp "$work/root/boot/vmlinuz-$release" "$dir/vmlinuz.tmp"
$sudo cp "$work/root/bin/busybox" "$dir/busybox.tmp"
: > "$work/modules.order"
for m in "${modules[@]}"; do
  name=$(basename "$m")
  $sudo cp "$work/root/lib/modules/$release/kernel/$m.ko" "$dir/modules/$name.ko"
  echo "$name" >> "$work/modules.order"
done
echo "$release" | $sudo tee "$dir/release" > /dev/null
$sudo mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
$sudo mv "$dir/busybox.tmp" "$dir/busybox"
# Written last: its presence marks a complete directory.
$sudo cp "$work/modules.order" "$dir/modules.order"
