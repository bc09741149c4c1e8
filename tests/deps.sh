#!/usr/bin/env bash
# Installs what building and testing pam_mobileid need (Debian 12, as root).
# Quiet when everything is there already.
set -euo pipefail
# node and npm run the independent-client test (the npm package bankid):
# Debian's when the machine has none (NodeSource's nodejs, which bundles
# npm, conflicts with Debian's npm package, so it is never asked for then).

pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libpam0g-dev libcurl4-openssl-dev libssl-dev libjson-c-dev libqrencode-dev
  libcmocka-dev libpam-wrapper libpamtest0-dev pamtester libnss-wrapper
  python3 python3-pil fonts-dejavu-core zbar-tools tmux qrencode
  openssh-server openssh-client sudo login util-linux openvpn iproute2
  valgrind ca-certificates openssl python3-oauthlib
  dpkg-dev debhelper lintian mandoc man-db
  clang-format cppcheck
)

command -v npm >/dev/null 2>&1 || command -v node >/dev/null 2>&1 ||
  pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages (run as root to install): ${missing[*]}" >&2
    exit 1
  fi
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
