#!/usr/bin/env bash
# The demo: a real login through PAM (pamtester under pam_wrapper; nothing
# in /etc changes) against the bundled BankID simulator. The QR animates in
# a tmux window; the simulated phone reads it from the screen and approves.
#   tests/demo/run.sh [bankid|passbyme]
# passbyme: the PassBy[ME] simulator instead; no QR, the status line counts
# down until the simulated phone approves the push message.
set -euo pipefail
provider=${1:-bankid}
case "$provider" in bankid | passbyme) ;; *) echo "usage: $0 [bankid|passbyme]" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

bash tests/deps.sh
build=${MID_BUILD_DIR:-$top/build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
certs=$build/tests/certs
bash tests/lib/mkcerts.sh "$certs" >/dev/null

work=$(mktemp -d /tmp/mobileid-demo.XXXXXX)
chmod 755 "$work"
session=mobileid-demo-$$
# a private tmux server: works inside an existing tmux session too
sock=mobileid-demo-$$
tmx() { tmux -L "$sock" "$@"; }
sim_pid=
cleanup() {
  tmx kill-server 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sim=mobileid-sim
[ "$provider" = passbyme ] && sim=passbyme-sim
"$build/tests/sim/$sim" --cert "$certs/server.pem" --key "$certs/server.key" \
  --client-ca "$certs/clientca.pem" --port-file "$work/ports.json" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/ports.json" ] && break; sleep 0.05; done
api=$(sed 's/.*"api":\([0-9]*\).*/\1/' "$work/ports.json")
control=$(sed 's/.*"control":\([0-9]*\).*/\1/' "$work/ports.json")

if [ "$provider" = passbyme ]; then
  echo "demo passbyme:demo@example.com" >"$work/usermap"
  section="[passbyme]
url = https://localhost:$api/frontend/
availability = 60"
else
  echo "demo bankid:199001011239" >"$work/usermap"
  section="[bankid]
url = https://localhost:$api/rp/v6.0/"
fi
cat >"$work/pam_mobileid.conf" <<CONF
[general]
usermap = $work/usermap
timeout = 60
qr = animate
message = Log in to %h as %u (demo)
$section
cert = $certs/client.p12
password_file = $certs/client.pass
ca = $certs/ca.pem
CONF
chmod 600 "$work/pam_mobileid.conf"
mkdir "$work/pam.d"
echo "auth required $build/pam_mobileid/pam_mobileid.so conf=$work/pam_mobileid.conf" >"$work/pam.d/mobileid-demo"
echo "auth required pam_deny.so" >"$work/pam.d/other"

cat >"$work/login.sh" <<LOGIN
#!/bin/sh
clear
echo "pam_mobileid demo: pamtester mobileid-demo demo authenticate"
echo
LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$work/pam.d \
  pamtester mobileid-demo demo authenticate
echo "exit \$?" >$work/result
echo
echo "(the simulated phone approved; this window closes in 5 s)"
sleep 5
LOGIN
chmod +x "$work/login.sh"

tmx -f /dev/null -u new-session -d -s "$session" -x 100 -y 40 "$work/login.sh"
if [ "$provider" = passbyme ]; then
  # the phone gets the push, shows it, and the person approves after 6 s
  ( /usr/bin/python3 - "$control" >"$work/phone.log" 2>&1 <<'PHONE'
import json, sys, time, urllib.request
url = "http://127.0.0.1:%s/" % sys.argv[1]
def post(path, obj):
    req = urllib.request.Request(url + path, json.dumps(obj).encode(),
                                 {"Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=10).read().decode()
end = time.monotonic() + 50
while time.monotonic() < end:
    if json.loads(urllib.request.urlopen(url + "messages").read())["messages"]:
        break
    time.sleep(0.2)
time.sleep(2)
print("approved message", post("phone", {"userId": "demo@example.com",
                                         "action": "approve", "delay_ms": 4000}))
PHONE
  ) &
else
  # the phone waits a few seconds so the QR can be seen animating
  ( sleep 4; /usr/bin/python3 tests/lib/phone.py scan --tmux "$session" --tmux-socket "$sock" \
      --control "http://127.0.0.1:$control" --action approve --delay-ms 3000 \
      --timeout 50 --save "$work/phone.png" >"$work/phone.log" 2>&1 ) &
fi
phone_pid=$!

if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then
  # TMUX unset: attaching from inside another tmux session is fine here
  TMUX= tmx attach -t "$session" || true
else
  # no terminal to show it in (CI, a pipe): print one live frame, the QR
  # with the status beside it, while the login waits for the phone
  frame=
  for _ in $(seq 100); do
    frame=$(tmx capture-pane -p -t "$session" 2>/dev/null || true)
    case "$frame" in *"Time left"* | *"Tid kvar"*) break ;; esac
    sleep 0.1
  done
  printf '%s\n' "$frame"
  for _ in $(seq 120); do [ -s "$work/result" ] && break; sleep 0.5; done
fi
wait "$phone_pid" || true
echo "phone: $(tail -1 "$work/phone.log" 2>/dev/null)"
if grep -q "exit 0" "$work/result" 2>/dev/null; then
  echo "demo: login approved through PAM"
else
  echo "demo: login failed"; cat "$work/sim.log" | tail -5; exit 1
fi
