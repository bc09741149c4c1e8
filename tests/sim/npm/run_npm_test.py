#!/usr/bin/python3
"""ctest driver: npm ci (once) into the build dir, start mobileid-sim, run bankid_check.js.

Exit 77 (ctest SKIP) only when the npm registry cannot be reached for npm ci."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
from sim import Sim, build_dir, certs  # noqa: E402

SKIP = 77


def ensure_node_modules(dest):
    os.makedirs(dest, exist_ok=True)
    stamp = os.path.join(dest, "node_modules", ".package-lock.json")
    lock = os.path.join(HERE, "package-lock.json")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(lock):
        return True
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(HERE, f), os.path.join(dest, f))
    if not shutil.which("npm") or not shutil.which("node"):
        print("SKIP: node/npm not installed")
        return False
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=dest,
                       capture_output=True, text=True, timeout=240)
    if r.returncode == 0:
        return True
    out = r.stdout + r.stderr
    net = ("ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET",
           "network", "ENETUNREACH", "getaddrinfo", "proxy")
    if any(n in out for n in net):
        print("SKIP: npm registry not reachable, cannot install bankid:\n" + out[-2000:])
        return False
    sys.stderr.write(out)
    raise SystemExit("npm ci failed")


def main():
    dest = os.path.join(build_dir(), "tests", "sim", "npm")
    if not ensure_node_modules(dest):
        return SKIP
    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(dest, "node_modules")
    env["NO_PROXY"] = env["no_proxy"] = "localhost,127.0.0.1"
    for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        env.pop(k, None)
    with Sim(certs()) as s:
        env.update(SIM_API_PORT=str(s.api_port), SIM_CONTROL_PORT=str(s.control_port),
                   SIM_CERTDIR=s.certdir)
        r = subprocess.run(["node", os.path.join(HERE, "bankid_check.js")], env=env,
                           timeout=120)
        if r.returncode != 0:
            print(s.log()[-4000:])
        return r.returncode


if __name__ == "__main__":
    sys.exit(main())
