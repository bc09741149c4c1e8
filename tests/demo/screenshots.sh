#!/usr/bin/env bash
# Redraws doc/img/sudo.png (animate mode, an 80 x 24 terminal) and
# doc/img/ssh.png (prompt mode, charset = utf8) from what the end-to-end tests
# capture from tmux: the real sudo and sshd, the built module, the simulator.
# As root, after a build:  bash tests/demo/screenshots.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${MID_BUILD_DIR:-$top/build}}
mkdir -p "$top/doc/img"
cd "$top/tests/e2e"
MID_BUILD_DIR=$build MID_SOURCE_DIR=$top MID_SCREENSHOTS=$top/doc/img /usr/bin/python3 -m unittest \
  test_sudo.SudoE2E.test_whole_frame_on_80x24_redrawn_in_place \
  test_ssh.SshE2E.test_utf8_client_halfblocks
ls -l "$top/doc/img/sudo.png" "$top/doc/img/ssh.png"
