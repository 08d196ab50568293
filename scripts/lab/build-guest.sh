#!/usr/bin/env bash
# Builds the Nova lab's tiny bootable guest into OUT_DIR (default /var/lib/nova-lab/guest):
#   vmlinuz     the Debian kernel that linux-image-amd64 depends on (downloaded, not installed)
#   initrd.img  a busybox initramfs (cpio newc + gzip) whose /init is scripts/lab/guest/init
#   VERSION     the kernel release
# Called by scripts/lab.sh (step "guest"); can be run alone as root.
set -euo pipefail

OUT_DIR=${1:-/var/lib/nova-lab/guest}
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
GUEST_SRC="$HERE/guest"
# Order matters at boot; see guest/init.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
  failover net_failover virtio_net button evdev)

log() { printf 'lab: guest: %s\n' "$*"; }
die() {
  printf 'lab: guest: error: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x /bin/busybox ] || die "/bin/busybox is missing (install busybox-static)"

tmp=$(mktemp -d /tmp/nova-lab-guest.XXXXXX)
chmod 0755 "$tmp"
cleanup() { rm -rf -- "$tmp"; }
trap cleanup EXIT

kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
  log "apt-get update (package lists do not know linux-image-amd64)"
  apt-get update -qq
  pkg=$(kernel_pkg)
fi
[ -n "$pkg" ] || die "cannot find the kernel package that linux-image-amd64 depends on"
kver=${pkg#linux-image-}

log "downloading $pkg"
mkdir -p "$tmp/deb"
# apt drops privileges to _apt for downloads; let it write here.
if id _apt >/dev/null 2>&1; then chown _apt "$tmp/deb"; fi
(cd "$tmp/deb" && apt-get download -qq "$pkg")
deb=$(find "$tmp/deb" -maxdepth 1 -name '*.deb' -print -quit)
[ -n "$deb" ] || die "apt-get download $pkg produced no .deb"

log "extracting $(basename -- "$deb")"
dpkg-deb -x "$deb" "$tmp/pkg"
vmlinuz="$tmp/pkg/boot/vmlinuz-$kver"
[ -f "$vmlinuz" ] || die "no boot/vmlinuz-$kver in $pkg"
moddir=""
for d in "$tmp/pkg/lib/modules/$kver" "$tmp/pkg/usr/lib/modules/$kver"; do
  if [ -d "$d" ]; then
    moddir=$d
    break
  fi
done
[ -n "$moddir" ] || die "no lib/modules/$kver in $pkg"

log "assembling the initramfs"
root="$tmp/root"
mkdir -p "$root"/{bin,dev,etc/acpi/PWRF,lib/modules,proc,root,run,sys,tmp,usr}
chmod 1777 "$root/tmp"
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"
cp /bin/busybox "$root/bin/busybox"
while IFS= read -r applet; do
  [ -n "$applet" ] && [ "$applet" != busybox ] && ln -s busybox "$root/bin/$applet"
done < <(/bin/busybox --list)

for m in "${MODULES[@]}"; do
  f=$(find "$moddir" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" \) -print -quit)
  dest="$root/lib/modules/$m.ko"
  case "$f" in
  "")
    if grep -qs "/$m\.ko" "$moddir/modules.builtin"; then
      log "module $m is built into the kernel, skipped"
    else
      log "module $m not found, skipped"
    fi
    continue
    ;;
  *.ko) cp "$f" "$dest" ;;
  *.ko.xz) if command -v xz >/dev/null; then xz -dc "$f" >"$dest"; else /bin/busybox xz -dc "$f" >"$dest"; fi ;;
  *.ko.gz) gzip -dc "$f" >"$dest" ;;
  *.ko.zst)
    command -v zstd >/dev/null || die "$f is zstd-compressed and zstd is not installed"
    zstd -qdc "$f" >"$dest"
    ;;
  esac
done

install -m 0755 "$GUEST_SRC/init" "$root/init"
install -m 0755 "$GUEST_SRC/udhcpc.script" "$root/etc/udhcpc.script"
install -m 0755 "$GUEST_SRC/power-button" "$root/etc/acpi/PWRF/00000080"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

(cd "$root" && find . -print | LC_ALL=C sort | /bin/busybox cpio -o -H newc) | gzip -9 >"$tmp/initrd.img"

log "installing into $OUT_DIR"
install -d -m 0755 "$OUT_DIR"
install -m 0644 "$vmlinuz" "$OUT_DIR/vmlinuz.new"
install -m 0644 "$tmp/initrd.img" "$OUT_DIR/initrd.img.new"
printf '%s\n' "$kver" >"$OUT_DIR/VERSION.new"
chmod 0644 "$OUT_DIR/VERSION.new"
mv -f "$OUT_DIR/vmlinuz.new" "$OUT_DIR/vmlinuz"
mv -f "$OUT_DIR/initrd.img.new" "$OUT_DIR/initrd.img"
mv -f "$OUT_DIR/VERSION.new" "$OUT_DIR/VERSION"
log "built kernel $kver, initrd $(du -k "$OUT_DIR/initrd.img" | cut -f1) KiB"
