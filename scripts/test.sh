#!/usr/bin/env bash
# Runs every test of sshblog: vet, then the race-checked unit and end-to-end
# tests. The end-to-end tests need the OpenSSH client and tmux, the web's
# browser test Chromium and a CJK font, the systemd unit's test
# systemd-analyze, the export's test bsdtar, the load-balancer test
# HAProxy; as root with apt-get this installs them when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ssh >/dev/null || missing+=(openssh-client)
command -v tmux >/dev/null || missing+=(tmux)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v bsdtar >/dev/null || missing+=(libarchive-tools)
command -v chromium >/dev/null || missing+=(chromium)
command -v haproxy >/dev/null || missing+=(haproxy)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "the end-to-end tests need: ${missing[*]} (Debian/Ubuntu: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

# The blog must not depend on the machine's locale; run under a CJK one to prove it.
export LANG=ko_KR.UTF-8 LC_ALL=

test -z "$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
go vet ./...
go test -race -count=1 -timeout 20m ./...
# The forks of Bubble Tea and Ultraviolet are modules of their own
# (third_party/*/PATCHES.md).
(cd third_party/bubbletea && go vet . && go test -race -count=1 .)
(cd third_party/ultraviolet && go vet . && go test -race -count=1 .)
