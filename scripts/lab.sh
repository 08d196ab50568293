#!/usr/bin/env bash
# Nova lab: the real services Nova and its tests need, on Debian 12, as root,
# with or without systemd.
#
#   scripts/lab.sh up [--runtime] [--no-helper]
#       Install missing packages and start what is not running: system D-Bus,
#       polkitd, virtlogd, libvirtd, libvirt's default network, dockerd, Podman's
#       API service; install the helper (see install-helper).
#       Without --runtime also the test fixtures: xvfb + chromium, the test users
#       nova-granted / nova-denied and their polkit rules, the tiny bootable guest
#       in /var/lib/nova-lab/guest and the image nova-test/busybox:latest in
#       Docker and Podman.
#       --no-helper skips install-helper (e.g. before `npm run build`).
#   scripts/lab.sh install-helper
#       Install apps/helper/dist/nova-helper.cjs (run `npm run build` first) and its
#       D-Bus/polkit data files system-wide, reload the bus configuration and stop a
#       running helper so the next call activates the new build.
#   scripts/lab.sh engine stop|start|restart docker|podman [--kill]
#       Stop or start one container engine alone: dockerd, or Podman's API
#       service (e.g. for tests of Nova with an engine down). `start` waits
#       until the engine answers. `stop --kill` sends SIGKILL, as a crash would:
#       the engine's socket file stays behind (not with systemd, whose socket
#       activation would start the engine again).
#   scripts/lab.sh status [--runtime]
#       One line per component; exit 0 when everything `up` [--runtime] sets up is in place.
#   scripts/lab.sh down [--all]
#       Stop the helper, Podman's service, dockerd, libvirtd, virtlogd and polkitd;
#       --all also the system D-Bus. Packages, users and files stay.
#   scripts/lab.sh selftest
#       Boot the tiny guest under TCG and check it gets a DHCP lease, answers on
#       the network and powers off on the ACPI button; run a container in Docker
#       and Podman; check the polkit allow/deny matrix. Cleans up after itself.
#
# Daemon logs: /var/log/nova-lab/.

set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SCRIPT_PATH="$SCRIPT_DIR/$(basename -- "${BASH_SOURCE[0]}")"
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
LAB_DIR="$SCRIPT_DIR/lab"

LOG_DIR=/var/log/nova-lab
STATE_DIR=/var/lib/nova-lab
GUEST_DIR="$STATE_DIR/guest"
RUN_DIR=/run/nova-lab

# Everything Nova and its tests call is listed, even what most images have (procps, openssh-client):
# a minimal Debian 12 has neither.
RUNTIME_PKGS=(dbus polkitd pkexec libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
  libvirt-dbus qemu-system-x86 qemu-utils dnsmasq-base iproute2 nftables busybox-static
  docker.io podman uidmap libxml2-utils ovmf swtpm swtpm-tools genisoimage procps openssh-client
  util-linux xz-utils)
FIXTURE_PKGS=(xvfb chromium shellcheck prometheus minisign syslinux syslinux-common mtools dosfstools
  openssl gzip)

DBUS_SOCKET=/run/dbus/system_bus_socket
DBUS_PIDFILE=/run/dbus/pid
POLKITD=/usr/lib/polkit-1/polkitd
POLKIT_NAME=org.freedesktop.PolicyKit1
VIRSH=(virsh -c qemu:///system)
LIBVIRT_DBUS_NAME=org.libvirt
LIBVIRT_DBUS_PATH=/org/libvirt/QEMU
LIBVIRT_DBUS_SERVICE=/usr/share/dbus-1/system-services/org.libvirt.service
LIBVIRT_NET=default
PODMAN_SOCKET=/run/podman/podman.sock
PODMAN_PIDFILE="$RUN_DIR/podman-service.pid"
CONTAINERS_CONF=/etc/containers/containers.conf
ULIMITS_LINE='default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]'
IMAGE=nova-test/busybox:latest

HELPER_NAME=dev.nova.Helper1
HELPER_BUNDLE="$REPO_ROOT/apps/helper/dist/nova-helper.cjs"
HELPER_DATA="$REPO_ROOT/apps/helper/data"
HELPER_LIB=/usr/local/lib/nova/nova-helper.cjs
HELPER_WRAPPER=/usr/local/libexec/nova/nova-helper
HELPER_BUS_CONF=/usr/share/dbus-1/system.d/dev.nova.Helper1.conf
HELPER_BUS_SERVICE=/usr/share/dbus-1/system-services/dev.nova.Helper1.service
HELPER_POLICY=/usr/share/polkit-1/actions/dev.nova.policy
HELPER_UNIT=/etc/systemd/system/nova-helper.service # only with systemd

TEST_GROUP=nova-testers
USER_GRANTED=nova-granted
USER_DENIED=nova-denied
POLKIT_RULES=/etc/polkit-1/rules.d/50-nova-lab.rules
POLKIT_RULES_SRC="$LAB_DIR/50-nova-lab.rules"
GUEST_RECIPE=("$LAB_DIR/build-guest.sh" "$LAB_DIR/guest/init" "$LAB_DIR/guest/udhcpc.script"
  "$LAB_DIR/guest/power-button")

export DEBIAN_FRONTEND=noninteractive
# Daemons started from here must not keep the caller's working directory busy.
cd /

# ---------------------------------------------------------------------------
# small helpers

log() { printf 'lab: %s\n' "$*"; }
warn() { printf 'lab: warning: %s\n' "$*" >&2; }
err() { printf 'lab: error: %s\n' "$*" >&2; }
die() {
  err "$*"
  exit 1
}

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$SCRIPT_PATH"
}

have_systemd() { [ -d /run/systemd/system ]; }

# Cleanup on exit (set by the steps that need it).
CLEANUP_POLICY_RC=0
CLEANUP_TMP=()
SELFTEST_DOMAIN=""
SELFTEST_CONTAINERS=()
on_exit() {
  local rc=$?
  if [ "$CLEANUP_POLICY_RC" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ -n "$SELFTEST_DOMAIN" ]; then selftest_cleanup_domain; fi
  local c
  for c in ${SELFTEST_CONTAINERS[@]+"${SELFTEST_CONTAINERS[@]}"}; do
    "${c%%:*}" rm -f "${c#*:}" >/dev/null 2>&1 || true
  done
  local d
  for d in ${CLEANUP_TMP[@]+"${CLEANUP_TMP[@]}"}; do rm -rf -- "$d"; done
  exit "$rc"
}
trap on_exit EXIT
# Run the EXIT trap (cleanup) also when interrupted or terminated.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_until SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds.
wait_until() {
  local secs=$1
  shift
  local end=$((SECONDS + secs))
  while :; do
    if "$@"; then return 0; fi
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# pgrep_live COMM: pids of live (non-zombie) processes named exactly COMM, like
# `pgrep -x COMM` (procps may not be installed on a fresh machine), leaving out
# processes of other pid namespaces (containers).
pgrep_live() {
  local d comm
  for d in /proc/[0-9]*; do
    comm=""
    read -r comm <"$d/comm" 2>/dev/null || continue
    [ "$comm" = "$1" ] || continue
    [ "$d/ns/pid" -ef /proc/self/ns/pid ] || continue
    if pid_alive "${d#/proc/}"; then printf '%s\n' "${d#/proc/}"; fi
  done
}

# pid_is PID COMM: the process exists and its name is COMM.
pid_is() {
  local comm
  pid_alive "$1" || return 1
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  [ "$comm" = "$2" ]
}

read_pidfile() {
  local pid=""
  if [ -r "$1" ]; then read -r pid <"$1" 2>/dev/null || true; fi
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  printf '%s\n' "$pid"
}

# find_pids COMM [PIDFILE]: the pid from PIDFILE if it is a live COMM, else all live COMMs.
find_pids() {
  local pid
  if [ -n "${2:-}" ] && pid=$(read_pidfile "$2") && pid_is "$pid" "$1"; then
    printf '%s\n' "$pid"
    return 0
  fi
  pgrep_live "$1"
}

# cmdline_has PID WORD...: the process's argv contains WORD... in sequence.
cmdline_has() {
  local pid=$1
  shift
  local args
  args=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  local want
  want=$(printf '%s\n' "$@")
  case "$args" in *"$want"*) return 0 ;; esac
  return 1
}

# stop_pids LABEL TIMEOUT PID...: SIGTERM, wait up to TIMEOUT s, then SIGKILL.
stop_pids() {
  local label=$1 timeout=$2
  shift 2
  local pids=() p
  for p in "$@"; do pid_alive "$p" && pids+=("$p"); done
  if [ "${#pids[@]}" -eq 0 ]; then
    log "$label: not running"
    return 0
  fi
  log "$label: stopping (pid ${pids[*]})"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local end=$((SECONDS + timeout))
  while [ "$SECONDS" -lt "$end" ]; do
    local left=()
    for p in "${pids[@]}"; do pid_alive "$p" && left+=("$p"); done
    [ "${#left[@]}" -eq 0 ] && return 0
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    if pid_alive "$p"; then
      warn "$label: pid $p ignored SIGTERM for ${timeout}s, sending SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  sleep 0.2
}

# none_alive PID...: none of these processes is alive any more.
none_alive() {
  local p
  for p in "$@"; do
    if pid_alive "$p"; then return 1; fi
  done
  return 0
}

# kill_pids LABEL PID...: SIGKILL, as a crash would (the daemon cleans nothing up), and
# wait up to 10 s for the processes to go.
kill_pids() {
  local label=$1
  shift
  local pids=() p
  for p in "$@"; do pid_alive "$p" && pids+=("$p"); done
  if [ "${#pids[@]}" -eq 0 ]; then
    log "$label: not running"
    return 0
  fi
  log "$label: killing (pid ${pids[*]}, SIGKILL)"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  wait_until 10 none_alive "${pids[@]}" || die "$label: pid ${pids[*]} still alive 10 s after SIGKILL"
}

# start_bg NAME COMMAND...: start a daemon that survives us, output to $LOG_DIR/NAME.log.
# Prints its pid.
start_bg() {
  local name=$1
  shift
  mkdir -p "$LOG_DIR"
  printf '\n=== %s: lab.sh starts: %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/$name.log"
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  printf '%s\n' "$!"
}

# run_logged NAME COMMAND...: run a self-daemonizing command with output to $LOG_DIR/NAME.log.
run_logged() {
  local name=$1
  shift
  mkdir -p "$LOG_DIR"
  printf '\n=== %s: lab.sh runs: %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/$name.log"
  setsid -w "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null
}

# file_differs SRC DST MODE: DST is missing or differs from SRC in content, mode or owner.
file_differs() {
  local src=$1 dst=$2 mode=$3
  ! { [ -f "$dst" ] && cmp -s -- "$src" "$dst" &&
    [ "$(stat -c '%a %u %g' -- "$dst")" = "${mode#0} 0 0" ]; }
}

# install_file SRC DST MODE: install SRC as DST, root-owned, atomically.
install_file() {
  local src=$1 dst=$2 mode=$3
  install -d -m 0755 -o root -g root -- "$(dirname -- "$dst")"
  install -m "$mode" -o root -g root -- "$src" "$dst.lab-new"
  mv -f -- "$dst.lab-new" "$dst"
}

# Note: functions called as an `if`/`||` condition run without `set -e`, so the
# functions that change things are never called that way; only checks are.

# make_tmp: create this run's scratch directory $LAB_TMP (removed on exit).
# Not a $(...) function: the cleanup list must be set in this shell.
LAB_TMP=""
make_tmp() {
  if [ -z "$LAB_TMP" ]; then
    LAB_TMP=$(mktemp -d /tmp/nova-lab.XXXXXX)
    CLEANUP_TMP+=("$LAB_TMP")
  fi
}

# ---------------------------------------------------------------------------
# D-Bus queries

bus_call() {
  dbus-send --system --print-reply --reply-timeout=3000 --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus "org.freedesktop.DBus.$1" "${@:2}" 2>/dev/null
}

bus_up() {
  [ -S "$DBUS_SOCKET" ] && bus_call GetId >/dev/null
}

name_has_owner() {
  local out
  out=$(bus_call NameHasOwner "string:$1") || return 1
  case "$out" in *"boolean true"*) return 0 ;; esac
  return 1
}

libvirt_dbus_up() {
  dbus-send --system --print-reply --reply-timeout=5000 --dest="$LIBVIRT_DBUS_NAME" "$LIBVIRT_DBUS_PATH" \
    org.freedesktop.DBus.Properties.Get string:org.libvirt.Connect string:LibVersion >/dev/null 2>&1
}

name_owner_pid() {
  local out
  out=$(bus_call GetConnectionUnixProcessID "string:$1") || return 1
  awk '$1 == "uint32" { print $2; found = 1 } END { exit !found }' <<<"$out"
}

# ---------------------------------------------------------------------------
# packages

missing_packages() {
  local -A ok=()
  local name status
  while read -r name status; do
    [ "$status" = ii ] && ok[$name]=1
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true)
  local p
  for p in "$@"; do
    [ -n "${ok[$p]:-}" ] || printf '%s\n' "$p"
  done
}

ensure_packages() {
  local missing=()
  mapfile -t missing < <(missing_packages "$@")
  if [ "${#missing[@]}" -eq 0 ]; then
    log "packages: all $# installed"
    return 0
  fi
  log "packages: installing ${missing[*]}"
  # Debian's packages would start their services on install; this script starts
  # them itself, the same way whether or not they were just installed.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from nova scripts/lab.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    CLEANUP_POLICY_RC=1
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$CLEANUP_POLICY_RC" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    CLEANUP_POLICY_RC=0
  fi
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] || die "packages still missing after apt-get install: ${missing[*]}"
}

# ---------------------------------------------------------------------------
# bus activation files

# The recovery tests hold a bus-activated service down by renaming its activation file; a run that
# was killed meanwhile leaves it renamed. Put every such file back.
BUS_SERVICES_DIR=/usr/share/dbus-1/system-services
HELD_SUFFIX=.nova-recovery-held
restore_held_activation() {
  local held restored=0
  for held in "$BUS_SERVICES_DIR"/*.service"$HELD_SUFFIX"; do
    [ -e "$held" ] || continue
    mv -f -- "$held" "${held%"$HELD_SUFFIX"}"
    log "dbus: put back ${held%"$HELD_SUFFIX"} (held by an interrupted test)"
    restored=1
  done
  if [ "$restored" = 1 ]; then bus_call ReloadConfig >/dev/null || true; fi
}

# ---------------------------------------------------------------------------
# /dev/kvm

setup_kvm() {
  if [ ! -e /dev/kvm ]; then
    log "kvm: /dev/kvm absent (guests run under TCG)"
    return 0
  fi
  if ! getent group kvm >/dev/null; then
    warn "kvm: group kvm does not exist, leaving /dev/kvm alone"
    return 0
  fi
  if [ "$(stat -c '%G %a' /dev/kvm)" != "kvm 660" ]; then
    chgrp kvm /dev/kvm
    chmod 660 /dev/kvm
    log "kvm: /dev/kvm is now root:kvm 0660"
  else
    log "kvm: /dev/kvm ok"
  fi
}

# ---------------------------------------------------------------------------
# system D-Bus

start_dbus() {
  if bus_up; then
    log "dbus: running"
    return 0
  fi
  if have_systemd; then
    log "dbus: systemctl start dbus"
    systemctl start dbus.service
  else
    local pid
    if pid=$(read_pidfile "$DBUS_PIDFILE"); then
      if pid_is "$pid" dbus-daemon; then
        log "dbus: dbus-daemon $pid exists but does not answer yet, waiting"
        wait_until 10 bus_up || die "dbus: dbus-daemon $pid does not answer on $DBUS_SOCKET"
        log "dbus: running"
        return 0
      fi
      log "dbus: removing stale pid file $DBUS_PIDFILE (pid $pid is gone)"
      rm -f "$DBUS_PIDFILE"
    fi
    mkdir -p /run/dbus
    dbus-uuidgen --ensure
    log "dbus: starting dbus-daemon --system"
    run_logged dbus dbus-daemon --system --fork || die "dbus: dbus-daemon failed, see $LOG_DIR/dbus.log"
  fi
  wait_until 10 bus_up || die "dbus: the system bus does not answer on $DBUS_SOCKET"
  log "dbus: running"
}

# ---------------------------------------------------------------------------
# polkitd

start_polkitd() {
  if name_has_owner "$POLKIT_NAME"; then
    log "polkitd: running"
    return 0
  fi
  if have_systemd; then
    log "polkitd: systemctl start polkit"
    systemctl start polkit.service
  else
    local stale=()
    mapfile -t stale < <(pgrep_live polkitd)
    if [ "${#stale[@]}" -gt 0 ]; then
      # A polkitd that does not own its name (e.g. left from an earlier bus) is useless.
      stop_pids "polkitd (not on the bus)" 3 "${stale[@]}"
    fi
    log "polkitd: starting $POLKITD"
    start_bg polkitd "$POLKITD" --no-debug >/dev/null
  fi
  wait_until 10 name_has_owner "$POLKIT_NAME" ||
    die "polkitd: $POLKIT_NAME has no owner on the bus, see $LOG_DIR/polkitd.log"
  log "polkitd: running"
}

# ---------------------------------------------------------------------------
# libvirt

virtlogd_running() {
  [ -n "$(find_pids virtlogd /run/virtlogd.pid)" ]
}

libvirtd_up() {
  timeout 10 "${VIRSH[@]}" uri >/dev/null 2>&1
}

start_virtlogd() {
  if have_systemd; then
    virtlogd_running || {
      log "virtlogd: systemctl start virtlogd"
      systemctl start virtlogd.service
    }
  elif ! virtlogd_running; then
    log "virtlogd: starting virtlogd -d"
    LIBVIRT_LOG_OUTPUTS="3:file:$LOG_DIR/virtlogd.log" run_logged virtlogd virtlogd -d ||
      die "virtlogd: failed to start, see $LOG_DIR/virtlogd.log"
  fi
  wait_until 5 virtlogd_running || die "virtlogd: not running, see $LOG_DIR/virtlogd.log"
  log "virtlogd: running"
}

start_libvirtd() {
  if libvirtd_up; then
    log "libvirtd: running"
    return 0
  fi
  if have_systemd; then
    log "libvirtd: systemctl start libvirtd"
    systemctl start libvirtd.service
  elif [ -n "$(find_pids libvirtd /run/libvirtd.pid)" ]; then
    log "libvirtd: process exists but qemu:///system does not answer yet, waiting"
  else
    log "libvirtd: starting libvirtd -d"
    LIBVIRT_LOG_OUTPUTS="3:file:$LOG_DIR/libvirtd.log" run_logged libvirtd libvirtd -d ||
      die "libvirtd: failed to start, see $LOG_DIR/libvirtd.log"
  fi
  wait_until 30 libvirtd_up || die "libvirtd: qemu:///system does not answer, see $LOG_DIR/libvirtd.log"
  log "libvirtd: running"
}

# net_info FIELD: a field of `virsh net-info default` (Active, Autostart, Bridge...).
net_info() {
  "${VIRSH[@]}" net-info "$LIBVIRT_NET" 2>/dev/null |
    awk -v f="$1:" '$1 == f { print $2; exit }'
}

start_network() {
  if ! "${VIRSH[@]}" net-info "$LIBVIRT_NET" >/dev/null 2>&1; then
    local xml=/usr/share/libvirt/networks/default.xml
    [ -f "$xml" ] || die "network: libvirt has no '$LIBVIRT_NET' network and $xml is missing"
    log "network: defining '$LIBVIRT_NET' from $xml"
    "${VIRSH[@]}" net-define "$xml" >/dev/null
  fi
  if [ "$(net_info Active)" != yes ]; then
    log "network: starting '$LIBVIRT_NET'"
    "${VIRSH[@]}" net-start "$LIBVIRT_NET" >/dev/null
  fi
  if [ "$(net_info Autostart)" != yes ]; then
    "${VIRSH[@]}" net-autostart "$LIBVIRT_NET" >/dev/null
  fi
  log "network: '$LIBVIRT_NET' active ($(net_info Bridge))"
}

# ---------------------------------------------------------------------------
# Docker

docker_up() { timeout 10 docker info >/dev/null 2>&1; }

start_dockerd() {
  if docker_up; then
    log "dockerd: running"
    return 0
  fi
  if have_systemd; then
    log "dockerd: systemctl start docker"
    systemctl start docker.service
  elif [ -n "$(find_pids dockerd /run/docker.pid)" ]; then
    log "dockerd: process exists but does not answer yet, waiting"
  else
    local pid
    if pid=$(read_pidfile /run/docker.pid) && ! pid_alive "$pid"; then rm -f /run/docker.pid; fi
    log "dockerd: starting dockerd"
    start_bg dockerd dockerd >/dev/null
  fi
  wait_until 30 docker_up || die "dockerd: docker info fails after 30 s, see $LOG_DIR/dockerd.log"
  log "dockerd: running"
}

# stop_dockerd [crash]: stop dockerd (its containers stop with it); `crash`: with SIGKILL.
stop_dockerd() {
  if have_systemd; then
    log "dockerd: systemctl stop docker.socket docker.service"
    systemctl stop docker.socket 2>/dev/null || true
    systemctl stop docker.service 2>/dev/null || true
    return 0
  fi
  local pids=()
  mapfile -t pids < <(find_pids dockerd /run/docker.pid)
  if [ "${1:-}" = crash ]; then
    kill_pids dockerd ${pids[@]+"${pids[@]}"}
  else
    stop_pids dockerd 20 ${pids[@]+"${pids[@]}"}
  fi
}

# ---------------------------------------------------------------------------
# Podman

containers_conf_ok() {
  [ -f "$CONTAINERS_CONF" ] && grep -Eq '^[[:space:]]*default_ulimits[[:space:]]*=' "$CONTAINERS_CONF"
}

write_containers_conf() {
  mkdir -p "$(dirname -- "$CONTAINERS_CONF")"
  if [ -f "$CONTAINERS_CONF" ] && grep -Eq '^[[:space:]]*\[containers\]' "$CONTAINERS_CONF"; then
    local tmp="$CONTAINERS_CONF.lab-new"
    awk -v line="$ULIMITS_LINE" '
      { print }
      !done && /^[[:space:]]*\[containers\][[:space:]]*(#.*)?$/ { print line; done = 1 }
    ' "$CONTAINERS_CONF" >"$tmp"
    chmod --reference="$CONTAINERS_CONF" "$tmp"
    mv -f "$tmp" "$CONTAINERS_CONF"
  else
    local sep=""
    if [ -s "$CONTAINERS_CONF" ]; then sep=$'\n'; fi
    printf '%s[containers]\n%s\n' "$sep" "$ULIMITS_LINE" >>"$CONTAINERS_CONF"
  fi
  log "podman: set default_ulimits in $CONTAINERS_CONF"
}

podman_up() {
  [ -S "$PODMAN_SOCKET" ] &&
    timeout 10 podman --remote --url "unix://$PODMAN_SOCKET" version >/dev/null 2>&1
}

podman_service_pids() {
  local p
  if p=$(read_pidfile "$PODMAN_PIDFILE") && pid_is "$p" podman; then
    printf '%s\n' "$p"
    return 0
  fi
  for p in $(pgrep_live podman); do
    cmdline_has "$p" system service && printf '%s\n' "$p"
  done
  return 0
}

# stop_podman_service [crash]: stop Podman's API service (its containers keep running);
# `crash`: with SIGKILL, which leaves $PODMAN_SOCKET behind.
stop_podman_service() {
  if have_systemd; then
    log "podman: systemctl stop podman.socket podman.service"
    systemctl stop podman.socket 2>/dev/null || true
    systemctl stop podman.service 2>/dev/null || true
    return 0
  fi
  local pids=()
  mapfile -t pids < <(podman_service_pids)
  if [ "${1:-}" = crash ]; then
    kill_pids "podman service" ${pids[@]+"${pids[@]}"}
  else
    stop_pids "podman service" 10 ${pids[@]+"${pids[@]}"}
  fi
  rm -f "$PODMAN_PIDFILE"
}

start_podman() {
  local conf_changed=0
  if ! containers_conf_ok; then
    write_containers_conf
    conf_changed=1
  fi
  if have_systemd; then
    if [ "$conf_changed" = 1 ]; then systemctl try-restart podman.service || true; fi
    if ! podman_up; then
      log "podman: systemctl start podman.socket"
      systemctl start podman.socket
    fi
  else
    if [ "$conf_changed" = 1 ] && [ -n "$(podman_service_pids)" ]; then
      log "podman: restarting the API service to apply $CONTAINERS_CONF"
      stop_podman_service
    fi
    if podman_up; then
      log "podman: API service running"
      return 0
    fi
    local pids=()
    mapfile -t pids < <(podman_service_pids)
    if [ "${#pids[@]}" -gt 0 ]; then
      log "podman: API service process exists, waiting for $PODMAN_SOCKET"
      if ! wait_until 10 podman_up; then stop_podman_service; fi
    fi
    if ! podman_up; then
      mkdir -p "$(dirname -- "$PODMAN_SOCKET")" "$RUN_DIR"
      rm -f "$PODMAN_SOCKET"
      log "podman: starting podman system service on unix://$PODMAN_SOCKET"
      start_bg podman-service podman system service --time=0 "unix://$PODMAN_SOCKET" >"$PODMAN_PIDFILE"
    fi
  fi
  wait_until 30 podman_up || die "podman: $PODMAN_SOCKET does not answer, see $LOG_DIR/podman-service.log"
  log "podman: API service running on $PODMAN_SOCKET"
}

# ---------------------------------------------------------------------------
# the helper

helper_pids() {
  local p
  if bus_up && p=$(name_owner_pid "$HELPER_NAME"); then
    printf '%s\n' "$p"
    return 0
  fi
  # No bus: look for the process itself.
  for p in $(pgrep_live node); do
    cmdline_has "$p" "$HELPER_LIB" && printf '%s\n' "$p"
  done
  return 0
}

stop_helper() {
  if have_systemd && [ -f "$HELPER_UNIT" ]; then
    systemctl stop nova-helper.service 2>/dev/null || true
  fi
  local pids=()
  mapfile -t pids < <(helper_pids)
  if [ "${#pids[@]}" -eq 0 ]; then
    log "helper: not running"
    return 0
  fi
  stop_pids "helper" 3 "${pids[@]}"
}

# sh_quote STRING: STRING as one single-quoted /bin/sh word.
sh_quote() {
  local q="'\\''"
  printf "'%s'" "${1//\'/$q}"
}

HELPER_SRC_CONF="$HELPER_DATA/dev.nova.Helper1.conf"
HELPER_SRC_SERVICE="$HELPER_DATA/dev.nova.Helper1.service"
HELPER_SRC_POLICY="$HELPER_DATA/dev.nova.policy"
HELPER_SRC_UNIT="$HELPER_DATA/nova-helper.service"

# helper_sources_ok: the build and its data files exist (else says what is missing).
helper_sources_ok() {
  if [ ! -f "$HELPER_BUNDLE" ]; then
    err "helper: $HELPER_BUNDLE does not exist; run \`npm run build\` in $REPO_ROOT first"
    return 1
  fi
  local f
  for f in "$HELPER_SRC_CONF" "$HELPER_SRC_SERVICE" "$HELPER_SRC_POLICY"; do
    if [ ! -f "$f" ]; then
      err "helper: $f is missing"
      return 1
    fi
  done
  if ! grep -q '^Exec=' "$HELPER_SRC_SERVICE"; then
    err "helper: $HELPER_SRC_SERVICE has no Exec= line"
    return 1
  fi
  if ! command -v node >/dev/null; then
    err "helper: node is not on PATH"
    return 1
  fi
}

# install_helper FORCE: install the helper (helper_sources_ok must have passed).
# Reloads the bus and stops a running helper when something changed, or always
# with FORCE=1 (the explicit `install-helper` command).
install_helper() {
  local force=${1:-0}
  make_tmp
  mkdir -p "$LAB_TMP/helper"
  local node
  node=$(command -v node)
  case "$node" in /*) ;; *) node=$(readlink -f -- "$node") ;; esac

  local tmp="$LAB_TMP/helper" changed=0
  {
    printf '#!/bin/sh\n'
    printf '# Nova privileged helper, installed by scripts/lab.sh install-helper.\n'
    printf 'exec %s %s "$@"\n' "$(sh_quote "$node")" "$(sh_quote "$HELPER_LIB")"
  } >"$tmp/nova-helper"
  sed "s|^Exec=.*|Exec=$HELPER_WRAPPER|" "$HELPER_SRC_SERVICE" >"$tmp/dev.nova.Helper1.service"
  local files=("$HELPER_BUNDLE|$HELPER_LIB|0644"
    "$tmp/nova-helper|$HELPER_WRAPPER|0755"
    "$HELPER_SRC_CONF|$HELPER_BUS_CONF|0644"
    "$tmp/dev.nova.Helper1.service|$HELPER_BUS_SERVICE|0644"
    "$HELPER_SRC_POLICY|$HELPER_POLICY|0644")
  # Under systemd the bus hands activation to the unit named by SystemdService=.
  local unit_changed=0
  if have_systemd && [ -f "$HELPER_SRC_UNIT" ]; then
    sed "s|^ExecStart=.*|ExecStart=$HELPER_WRAPPER|" "$HELPER_SRC_UNIT" >"$tmp/nova-helper.service"
    if file_differs "$tmp/nova-helper.service" "$HELPER_UNIT" 0644; then
      install_file "$tmp/nova-helper.service" "$HELPER_UNIT" 0644
      unit_changed=1
    fi
  fi

  local pair src dst mode
  for pair in "${files[@]}"; do
    IFS='|' read -r src dst mode <<<"$pair"
    if file_differs "$src" "$dst" "$mode"; then
      install_file "$src" "$dst" "$mode"
      changed=1
    fi
  done

  if [ "$unit_changed" = 1 ]; then
    systemctl daemon-reload
    changed=1
  elif have_systemd && grep -q '^SystemdService=' "$HELPER_BUS_SERVICE" && [ ! -f "$HELPER_UNIT" ]; then
    warn "helper: $HELPER_BUS_SERVICE names a SystemdService= unit but $HELPER_SRC_UNIT is missing"
  fi

  if [ "$changed" = 0 ] && [ "$force" != 1 ]; then
    log "helper: installed files are up to date"
    return 0
  fi
  if [ "$changed" = 1 ]; then
    log "helper: installed $HELPER_LIB (node $node) and its D-Bus/polkit files"
  else
    log "helper: installed files are up to date"
  fi
  if bus_up; then
    dbus-send --system --type=method_call --dest=org.freedesktop.DBus \
      /org/freedesktop/DBus org.freedesktop.DBus.ReloadConfig
    log "helper: the bus reloaded its configuration"
    stop_helper
  else
    warn "helper: the system bus is not running; start it with \`scripts/lab.sh up --runtime\`"
  fi
}

helper_files_state() {
  local f
  for f in "$HELPER_LIB" "$HELPER_WRAPPER" "$HELPER_BUS_CONF" "$HELPER_BUS_SERVICE" "$HELPER_POLICY"; do
    if [ ! -f "$f" ]; then
      printf 'missing|%s\n' "$f"
      return 0
    fi
  done
  if [ -f "$HELPER_BUNDLE" ] && ! cmp -s "$HELPER_BUNDLE" "$HELPER_LIB"; then
    printf 'outdated|%s differs from apps/helper/dist (run install-helper)\n' "$HELPER_LIB"
    return 0
  fi
  local f2
  for f2 in dev.nova.Helper1.conf:"$HELPER_BUS_CONF" dev.nova.policy:"$HELPER_POLICY"; do
    if [ -f "$HELPER_DATA/${f2%%:*}" ] && ! cmp -s "$HELPER_DATA/${f2%%:*}" "${f2#*:}"; then
      printf 'outdated|%s differs from apps/helper/data (run install-helper)\n' "${f2#*:}"
      return 0
    fi
  done
  printf 'ok|%s -> %s\n' "$HELPER_WRAPPER" "$HELPER_LIB"
}

# ---------------------------------------------------------------------------
# fixtures: users, polkit rules

users_ok() {
  getent group "$TEST_GROUP" >/dev/null || return 1
  id "$USER_GRANTED" >/dev/null 2>&1 || return 1
  id "$USER_DENIED" >/dev/null 2>&1 || return 1
  id -nG "$USER_GRANTED" | tr ' ' '\n' | grep -qx "$TEST_GROUP" || return 1
  ! id -nG "$USER_DENIED" | tr ' ' '\n' | grep -qx "$TEST_GROUP"
}

ensure_user() {
  local user=$1
  shift
  if id "$user" >/dev/null 2>&1; then return 0; fi
  useradd --system --create-home --shell /bin/bash "$@" "$user"
  log "users: created $user"
}

setup_users() {
  if users_ok; then
    log "users: $USER_GRANTED (in $TEST_GROUP) and $USER_DENIED exist"
    return 0
  fi
  getent group "$TEST_GROUP" >/dev/null || groupadd --system "$TEST_GROUP"
  ensure_user "$USER_GRANTED" --groups "$TEST_GROUP"
  ensure_user "$USER_DENIED"
  if ! id -nG "$USER_GRANTED" | tr ' ' '\n' | grep -qx "$TEST_GROUP"; then
    usermod -a -G "$TEST_GROUP" "$USER_GRANTED"
  fi
  if id -nG "$USER_DENIED" | tr ' ' '\n' | grep -qx "$TEST_GROUP"; then
    gpasswd -d "$USER_DENIED" "$TEST_GROUP" >/dev/null
  fi
  users_ok || die "users: could not set up $USER_GRANTED / $USER_DENIED"
  log "users: $USER_GRANTED (in $TEST_GROUP) and $USER_DENIED ready"
}

setup_polkit_rules() {
  if file_differs "$POLKIT_RULES_SRC" "$POLKIT_RULES" 0644; then
    install_file "$POLKIT_RULES_SRC" "$POLKIT_RULES" 0644
    log "polkit: installed $POLKIT_RULES"
  else
    log "polkit: $POLKIT_RULES up to date"
  fi
}

# ---------------------------------------------------------------------------
# fixtures: the tiny guest

guest_state() {
  local f r
  for f in vmlinuz initrd.img VERSION; do
    if [ ! -f "$GUEST_DIR/$f" ]; then
      printf 'missing|%s\n' "$GUEST_DIR/$f"
      return 0
    fi
  done
  for f in vmlinuz initrd.img VERSION; do
    for r in "${GUEST_RECIPE[@]}"; do
      if [ ! "$GUEST_DIR/$f" -nt "$r" ]; then
        printf 'outdated|%s is older than %s\n' "$f" "${r#"$REPO_ROOT"/}"
        return 0
      fi
    done
  done
  printf 'ok|kernel %s in %s\n' "$(cat "$GUEST_DIR/VERSION")" "$GUEST_DIR"
}

setup_guest() {
  local st
  st=$(guest_state)
  if [ "${st%%|*}" = ok ]; then
    log "guest: up to date (${st#*|})"
    return 0
  fi
  log "guest: building (${st#*|})"
  install -d -m 0755 "$STATE_DIR"
  bash "$LAB_DIR/build-guest.sh" "$GUEST_DIR"
}

# ---------------------------------------------------------------------------
# fixtures: the busybox image

BUSYBOX_ROOTFS=""
busybox_rootfs() {
  if [ -n "$BUSYBOX_ROOTFS" ]; then return 0; fi
  make_tmp
  local r="$LAB_TMP/rootfs"
  mkdir -p "$r"/{bin,dev,etc,proc,root,sys,tmp}
  chmod 1777 "$r/tmp"
  chmod 0700 "$r/root"
  cp /bin/busybox "$r/bin/busybox"
  local applet
  while IFS= read -r applet; do
    [ -n "$applet" ] && [ "$applet" != busybox ] && ln -s busybox "$r/bin/$applet"
  done < <(/bin/busybox --list)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  BUSYBOX_ROOTFS=$r
}

setup_docker_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "docker: image $IMAGE present"
    return 0
  fi
  busybox_rootfs
  tar -C "$BUSYBOX_ROOTFS" -c . | docker import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  log "docker: imported $IMAGE"
}

setup_podman_image() {
  if podman image exists "$IMAGE" 2>/dev/null; then
    log "podman: image $IMAGE present"
    return 0
  fi
  busybox_rootfs
  tar -C "$BUSYBOX_ROOTFS" -c . | podman import -q -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  log "podman: imported $IMAGE"
}

# ---------------------------------------------------------------------------
# commands

cmd_up() {
  local runtime_only=0 with_helper=1 a
  for a in "$@"; do
    case "$a" in
    --runtime) runtime_only=1 ;;
    --no-helper) with_helper=0 ;;
    *) die "up: unknown option '$a' (try: scripts/lab.sh help)" ;;
    esac
  done
  local t0=$SECONDS
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  if [ "$runtime_only" = 1 ]; then
    ensure_packages "${RUNTIME_PKGS[@]}"
  else
    ensure_packages "${RUNTIME_PKGS[@]}" "${FIXTURE_PKGS[@]}"
  fi
  setup_kvm
  start_dbus
  restore_held_activation
  start_polkitd
  start_virtlogd
  start_libvirtd
  start_network
  start_dockerd
  start_podman

  local helper_failed=0
  if [ "$with_helper" = 0 ]; then
    log "helper: skipped (--no-helper)"
  elif helper_sources_ok; then
    install_helper 0
  else
    helper_failed=1
  fi

  if [ "$runtime_only" = 0 ]; then
    setup_users
    setup_polkit_rules
    setup_guest
    setup_docker_image
    setup_podman_image
  fi

  if [ "$helper_failed" = 1 ]; then
    err "up: everything else is up, but the helper is not installed (see above)"
    exit 1
  fi
  log "up: done in $((SECONDS - t0)) s"
}

cmd_install_helper() {
  [ "$#" -eq 0 ] || die "install-helper takes no options"
  helper_sources_ok || exit 1
  install_helper 1
}

cmd_engine() {
  [ "$#" -ge 2 ] || die "engine: usage: scripts/lab.sh engine stop|start|restart docker|podman [--kill]"
  local action=$1 engine=$2 how=graceful a
  shift 2
  for a in "$@"; do
    case "$a" in
    --kill) how=crash ;;
    *) die "engine: unknown option '$a'" ;;
    esac
  done
  case "$engine" in
  docker | podman) ;;
  *) die "engine: unknown engine '$engine' (docker or podman)" ;;
  esac
  case "$action" in
  stop | start | restart) ;;
  *) die "engine: unknown action '$action' (stop, start or restart)" ;;
  esac
  if [ "$how" = crash ]; then
    [ "$action" = stop ] || die "engine: --kill goes with stop"
    if have_systemd; then
      die "engine: stop --kill needs a host without systemd (socket activation would start $engine again)"
    fi
  fi
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  if [ "$action" != start ]; then
    case "$engine" in
    docker) stop_dockerd "$how" ;;
    podman) stop_podman_service "$how" ;;
    esac
  fi
  if [ "$action" != stop ]; then
    case "$engine" in
    docker) start_dockerd ;;
    podman) start_podman ;;
    esac
  fi
}

cmd_down() {
  local all=0 a
  for a in "$@"; do
    case "$a" in
    --all) all=1 ;;
    *) die "down: unknown option '$a'" ;;
    esac
  done
  stop_helper
  stop_podman_service
  if have_systemd; then
    local u
    log "down: systemctl stop docker, libvirtd, virtlogd, polkit"
    for u in docker.socket docker.service \
      libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket libvirtd.service \
      virtlogd.socket virtlogd-admin.socket virtlogd.service polkit.service; do
      systemctl stop "$u" 2>/dev/null || true
    done
    if [ "$all" = 1 ]; then warn "down: not stopping D-Bus under systemd"; fi
    log "down: done"
    return 0
  fi
  local pids=()
  mapfile -t pids < <(find_pids dockerd /run/docker.pid)
  stop_pids dockerd 20 ${pids[@]+"${pids[@]}"}
  mapfile -t pids < <(pgrep_live libvirt-dbus)
  stop_pids libvirt-dbus 3 ${pids[@]+"${pids[@]}"}
  mapfile -t pids < <(find_pids libvirtd /run/libvirtd.pid)
  stop_pids libvirtd 10 ${pids[@]+"${pids[@]}"}
  mapfile -t pids < <(find_pids virtlogd /run/virtlogd.pid)
  stop_pids virtlogd 5 ${pids[@]+"${pids[@]}"}
  mapfile -t pids < <(pgrep_live polkitd)
  stop_pids polkitd 5 ${pids[@]+"${pids[@]}"}
  if [ "$all" = 1 ]; then
    pids=()
    local p
    if p=$(read_pidfile "$DBUS_PIDFILE") && pid_is "$p" dbus-daemon; then
      pids=("$p")
    else
      for p in $(pgrep_live dbus-daemon); do
        cmdline_has "$p" --system && pids+=("$p")
      done
    fi
    stop_pids "dbus (system bus)" 5 ${pids[@]+"${pids[@]}"}
    if p=$(read_pidfile "$DBUS_PIDFILE") && ! pid_alive "$p"; then rm -f "$DBUS_PIDFILE"; fi
  else
    log "dbus: left running (down --all stops it)"
  fi
  log "down: done"
}

STATUS_FAIL=0
# report COMPONENT STATE DETAIL [informational]
report() {
  printf '%-16s %-9s %s\n' "$1" "$2" "$3"
  if [ "$2" != ok ] && [ "${4:-}" != info ]; then STATUS_FAIL=1; fi
}

cmd_status() {
  local runtime_only=0 a
  for a in "$@"; do
    case "$a" in
    --runtime) runtime_only=1 ;;
    *) die "status: unknown option '$a'" ;;
    esac
  done
  local pkgs=("${RUNTIME_PKGS[@]}") missing=() st
  [ "$runtime_only" = 1 ] || pkgs+=("${FIXTURE_PKGS[@]}")
  mapfile -t missing < <(missing_packages "${pkgs[@]}")
  if [ "${#missing[@]}" -eq 0 ]; then
    report packages ok "${#pkgs[@]} installed"
  else
    report packages missing "${missing[*]}"
  fi

  local bus=0
  if bus_up; then
    bus=1
    report dbus ok "$DBUS_SOCKET"
  else
    report dbus stopped "no system bus on $DBUS_SOCKET"
  fi

  local held
  held=$(find "$BUS_SERVICES_DIR" -maxdepth 1 -name "*.service$HELD_SUFFIX" -printf '%f ' 2>/dev/null)
  if [ -n "$held" ]; then report activation held "${held% } (scripts/lab.sh up puts them back)"; fi

  if [ "$bus" = 1 ] && name_has_owner "$POLKIT_NAME"; then
    report polkitd ok "owns $POLKIT_NAME"
  else
    report polkitd stopped "$POLKIT_NAME has no owner"
  fi

  local pids
  pids=$(find_pids virtlogd /run/virtlogd.pid | tr '\n' ' ')
  if [ -n "$pids" ]; then report virtlogd ok "pid ${pids% }"; else report virtlogd stopped "no virtlogd process"; fi

  local libvirt=0
  if libvirtd_up; then
    libvirt=1
    report libvirtd ok "qemu:///system answers"
  else
    report libvirtd stopped "qemu:///system does not answer"
  fi

  # libvirt-dbus is started by the bus on the first call; a call that answers proves both.
  if [ "$bus" = 0 ]; then
    report libvirt-dbus stopped "no system bus"
  elif ! [ -f "$LIBVIRT_DBUS_SERVICE" ]; then
    report libvirt-dbus missing "no activation file $LIBVIRT_DBUS_SERVICE"
  elif libvirt_dbus_up; then
    report libvirt-dbus ok "$LIBVIRT_DBUS_NAME answers on $LIBVIRT_DBUS_PATH (pid $(name_owner_pid "$LIBVIRT_DBUS_NAME"))"
  else
    report libvirt-dbus stopped "$LIBVIRT_DBUS_NAME does not answer on $LIBVIRT_DBUS_PATH"
  fi

  if [ "$libvirt" = 0 ]; then
    report network stopped "libvirtd is not running"
  elif ! "${VIRSH[@]}" net-info "$LIBVIRT_NET" >/dev/null 2>&1; then
    report network missing "no '$LIBVIRT_NET' network"
  elif [ "$(net_info Active)" != yes ]; then
    report network stopped "'$LIBVIRT_NET' is inactive"
  else
    report network ok "'$LIBVIRT_NET' active on $(net_info Bridge), autostart $(net_info Autostart)"
  fi

  local docker=0
  if docker_up; then
    docker=1
    report dockerd ok "$(docker version --format 'Docker {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
  else
    report dockerd stopped "docker info fails"
  fi

  if podman_up; then
    if containers_conf_ok; then
      report podman ok "API on $PODMAN_SOCKET"
    else
      report podman ok "API on $PODMAN_SOCKET, but $CONTAINERS_CONF lacks default_ulimits"
      STATUS_FAIL=1
    fi
  else
    report podman stopped "no API on $PODMAN_SOCKET"
  fi

  st=$(helper_files_state)
  report helper-files "${st%%|*}" "${st#*|}"
  local hp
  if [ "$bus" = 1 ] && hp=$(name_owner_pid "$HELPER_NAME"); then
    report helper-running ok "pid $hp owns $HELPER_NAME" info
  else
    report helper-running stopped "(fine: the bus activates it on the first call)" info
  fi

  if [ "$runtime_only" = 0 ]; then
    if users_ok; then
      report test-users ok "$USER_GRANTED (in $TEST_GROUP), $USER_DENIED"
    else
      report test-users missing "$USER_GRANTED / $USER_DENIED / group $TEST_GROUP"
    fi
    if [ ! -f "$POLKIT_RULES" ]; then
      report polkit-rules missing "$POLKIT_RULES"
    elif ! cmp -s "$POLKIT_RULES_SRC" "$POLKIT_RULES"; then
      report polkit-rules outdated "$POLKIT_RULES differs from scripts/lab/50-nova-lab.rules"
    else
      report polkit-rules ok "$POLKIT_RULES"
    fi
    st=$(guest_state)
    report guest "${st%%|*}" "${st#*|}"
    if [ "$docker" = 0 ]; then
      report docker-image stopped "dockerd is not running"
    elif docker image inspect "$IMAGE" >/dev/null 2>&1; then
      report docker-image ok "$IMAGE"
    else
      report docker-image missing "$IMAGE"
    fi
    if podman image exists "$IMAGE" 2>/dev/null; then
      report podman-image ok "$IMAGE"
    else
      report podman-image missing "$IMAGE"
    fi
  fi
  return "$STATUS_FAIL"
}

# ---------------------------------------------------------------------------
# selftest

selftest_cleanup_domain() {
  local d=$SELFTEST_DOMAIN
  SELFTEST_DOMAIN=""
  [ -n "$d" ] || return 0
  "${VIRSH[@]}" destroy "$d" >/dev/null 2>&1 || true
  "${VIRSH[@]}" undefine "$d" >/dev/null 2>&1 || true
  log "selftest: removed domain $d"
}

# domain_lease NAME: the IPv4 address of NAME's DHCP lease, if any.
domain_lease() {
  "${VIRSH[@]}" domifaddr "$1" --source lease 2>/dev/null |
    awk '$3 == "ipv4" { sub(/\/.*/, "", $4); print $4; exit }'
}

domain_is_off() { [ "$("${VIRSH[@]}" domstate "$1" 2>/dev/null)" = "shut off" ]; }

selftest_guest() {
  local st
  st=$(guest_state)
  [ "${st%%|*}" = ok ] || die "selftest: guest files not ready (${st#*|}); run scripts/lab.sh up"
  libvirtd_up || die "selftest: libvirtd is not running; run scripts/lab.sh up"
  [ "$(net_info Active)" = yes ] || die "selftest: network '$LIBVIRT_NET' is inactive; run scripts/lab.sh up"

  local name="nova-lab-selftest-$$"
  local console="$LOG_DIR/selftest-console.log"
  make_tmp
  local tmp=$LAB_TMP
  mkdir -p "$LOG_DIR"
  cat >"$tmp/domain.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>$GUEST_DIR/vmlinuz</kernel>
    <initrd>$GUEST_DIR/initrd.img</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <interface type='network'>
      <source network='$LIBVIRT_NET'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <log file='$console' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
  </devices>
</domain>
EOF
  SELFTEST_DOMAIN=$name
  "${VIRSH[@]}" define "$tmp/domain.xml" >/dev/null
  local t0=$SECONDS
  "${VIRSH[@]}" start "$name" >/dev/null
  log "selftest: started TCG domain $name (kernel $(cat "$GUEST_DIR/VERSION"))"

  local addr=""
  local end=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$end" ]; do
    addr=$(domain_lease "$name")
    [ -n "$addr" ] && break
    sleep 0.5
  done
  if [ -z "$addr" ]; then
    tail -n 20 "$console" >&2 || true
    die "selftest: no DHCP lease within 30 s; console log: $console"
  fi
  log "selftest: lease $addr after $((SECONDS - t0)) s"

  if ! wait_until 10 grep -q "NOVA-GUEST-READY ip=$addr/" "$console"; then
    die "selftest: no NOVA-GUEST-READY line for $addr on the console ($console)"
  fi
  log "selftest: console says $(grep -m1 -o 'NOVA-GUEST-READY.*' "$console" | tr -d '\r')"

  # Nothing listens in the guest: "connection refused" proves its stack has the address.
  local out rc=0
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  out=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/9"' _ "$addr" 2>&1) || rc=$?
  case "$rc:$out" in
  0:* | *"refused"*) log "selftest: $addr answers on the network" ;;
  *) die "selftest: $addr does not answer (rc $rc: $out)" ;;
  esac

  "${VIRSH[@]}" shutdown "$name" >/dev/null
  if ! wait_until 15 domain_is_off "$name"; then
    die "selftest: the guest did not power off within 15 s of the ACPI power button"
  fi
  log "selftest: ACPI power button powered the guest off"
  selftest_cleanup_domain
}

selftest_containers() {
  local engine out name
  for engine in docker podman; do
    name="nova-lab-selftest-$$-$engine"
    SELFTEST_CONTAINERS+=("$engine:$name")
    # shellcheck disable=SC2016 # expanded inside the container
    out=$("$engine" run --rm --name "$name" "$IMAGE" sh -c 'echo hello-$(uname -s)') ||
      die "selftest: $engine run $IMAGE failed"
    [ "$out" = hello-Linux ] || die "selftest: $engine run printed '$out'"
    log "selftest: $engine runs $IMAGE"
  done
}

selftest_polkit() {
  if [ ! -f "$HELPER_POLICY" ]; then
    log "selftest: polkit matrix skipped ($HELPER_POLICY not installed yet)"
    return 0
  fi
  local action
  action=$(xmllint --xpath 'string(//action[not(defaults/allow_any="yes")][1]/@id)' "$HELPER_POLICY" 2>/dev/null || true)
  if [ -z "$action" ]; then
    log "selftest: polkit matrix skipped (no action in $HELPER_POLICY that is not open to all)"
    return 0
  fi
  local user pid rc
  for user in "$USER_GRANTED" "$USER_DENIED"; do
    setpriv --reuid="$user" --regid="$user" --init-groups sleep 30 &
    pid=$!
    sleep 0.2
    rc=0
    pkcheck --action-id "$action" --process "$pid" >/dev/null 2>&1 || rc=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # pkcheck: 0 authorized, 1 not authorized, 2 needs authentication, else error.
    case "$user:$rc" in
    "$USER_GRANTED:0") log "selftest: polkit authorizes $user for $action" ;;
    "$USER_DENIED:1" | "$USER_DENIED:2") log "selftest: polkit refuses $user for $action" ;;
    *) die "selftest: pkcheck answered $rc for $user on $action" ;;
    esac
  done
}

cmd_selftest() {
  [ "$#" -eq 0 ] || die "selftest takes no options"
  local t0=$SECONDS
  selftest_guest
  selftest_containers
  selftest_polkit
  log "selftest: passed in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------------------

main() {
  local cmd=${1:-help}
  [ "$#" -gt 0 ] && shift
  case "$cmd" in
  help | -h | --help)
    usage
    return 0
    ;;
  esac
  [ "$(id -u)" -eq 0 ] || die "must run as root (try: sudo $0 $cmd)"
  case "$cmd" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  engine) cmd_engine "$@" ;;
  install-helper) cmd_install_helper "$@" ;;
  selftest) cmd_selftest "$@" ;;
  *)
    usage >&2
    exit 2
    ;;
  esac
}

main "$@"
