#!/usr/bin/python3
"""bench_compare.py: one login three ways, side by side in one run.

  module   mid-pamhost (a forking PAM host) -> libpam -> pam_mobileid.so
  floor    mid-floor (the same requests over one mTLS connection with bare
           libcurl + json-c, PKCS#12) plus mid-pamhost -> pam_permit.so
           for the PAM part, the two added up
  node     mid-pamhost -> pam_exec.so -> node node_login.js (npm bankid
           3.x, BankIdClientV6): the route an admin would build by hand

Same simulator, same scenario: auth with the personal number as
requirement, collects every `poll` s, the virtual phone approves a fixed
delay after it sees the order (a few pending collects, then complete),
PKCS#12 client credentials. The routes take turns, login by login, so a
change of load on the machine hits all three alike. Per login: CPU
user+sys and voluntary context switches of the whole process tree
(getrusage), TLS connections (the simulator's handshake count), callgrind
instructions of one login (children traced), time from pam_authenticate
entry to the first QR frame, and the memory the module adds to the host
(/proc/self/smaps while the QR is shown). Then bench_crowd.py: 100, 500,
1,000 logins in flight at once. See README.md.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import bench_crowd  # noqa: E402
import bench_module  # noqa: E402
import pamrun  # noqa: E402
import safedir  # noqa: E402
import sim  # noqa: E402

ROUTES = ("module", "floor", "node")


def tool(name):
    return os.path.join(sim.build_dir(), "tests", "bench", name)


def node_modules():
    """The npm bankid client, installed by tests/sim/npm (npm ci) into the
    build dir; None when it cannot be had (the node route is skipped)."""
    sys.path.insert(0, os.path.join(HERE, "..", "sim", "npm"))
    import run_npm_test  # noqa: E402
    dest = os.path.join(sim.build_dir(), "tests", "sim", "npm")
    if not shutil.which("node"):
        return None
    try:
        ok = run_npm_test.ensure_node_modules(dest)
    except (SystemExit, OSError, subprocess.SubprocessError):
        ok = False
    return os.path.join(dest, "node_modules") if ok else None


class Stacks:
    """Config, user map and /etc/pam.d services (unique names) of one run."""

    def __init__(self, s, users, poll, module, nm, creds="p12"):
        self.s = s
        self.dir = safedir.safe_tmpdir("mid-bench.")
        self.users = users
        c = s.certdir
        self.usermap = pamrun.write_file(self.dir, "usermap", "".join(
            "bench%d bankid:%s\n" % (i, bench_module.pnr(i)) for i in range(users)), 0o644)
        if creds == "p12":  # PKCS#12 + password file, as the sample config
            self.cert, self.key = os.path.join(c, "client.p12"), os.path.join(c, "client.pass")
            cred = "cert = %s\npassword_file = %s\n" % (self.cert, self.key)
        else:  # PEM certificate and unencrypted PEM key, both mode 0600
            with open(os.path.join(c, "client.pem")) as f:
                self.cert = pamrun.write_file(self.dir, "client.pem", f.read(), 0o600)
            self.key = os.path.join(c, "client.key")
            cred = "cert = %s\nkey = %s\n" % (self.cert, self.key)
        self.conf = pamrun.write_file(self.dir, "pam_mobileid.conf", (
            "[general]\nusermap = %s\ntimeout = 170\nqr = animate\n"
            # the run's own state; the same users log in again and again
            "state_dir = %s\ndeny_hold = 0\nmax_requests = 0/600\n"
            "[bankid]\nurl = %s\n%sca = %s\npoll = %d\n"
            % (self.usermap, os.path.join(self.dir, "state"), s.api_url, cred,
               os.path.join(c, "ca.pem"), poll)), 0o600)
        self.poll = poll
        tag = "mid-bench-%d" % os.getpid()
        lines = {"module": "auth required %s conf=%s" % (module, self.conf),
                 "permit": "auth required pam_permit.so"}
        if nm:
            lines["node"] = ("auth required pam_exec.so quiet %s %s %s %s %d %s %d"
                             % (shutil.which("node"), os.path.join(HERE, "node_login.js"),
                                nm, self.usermap, s.api_port, c, poll * 1000))
        self.service = {}
        for k, line in lines.items():
            self.service[k] = "%s-%s" % (tag, k)
            with open("/etc/pam.d/" + self.service[k], "w") as f:
                f.write(line + "\n")

    def env(self):
        return dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")

    def close(self):
        for name in self.service.values():
            try:
                os.unlink("/etc/pam.d/" + name)
            except OSError:
                pass
        safedir.remove(self.dir)


def run_rusage(st, cmd, prefix=(), timeout=600):
    """cmd under mid-rusage (and prefix, e.g. valgrind); returns (ok, stdout,
    dict of cpu_s, nvcsw) for the whole process tree."""
    fd, ru_file = tempfile.mkstemp(prefix="ru.", dir=st.dir)
    os.close(fd)
    p = subprocess.run([tool("mid-rusage"), ru_file] + list(prefix) + cmd, env=st.env(),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout)
    with open(ru_file) as f:
        v = f.read().split()
    os.unlink(ru_file)
    if p.returncode != 0 or len(v) < 6:
        sys.stderr.write("%s failed (rc %d): %s%s\n" % (cmd[0], p.returncode,
                                                       p.stdout[-800:], p.stderr[-800:]))
        return False, p.stdout, {}
    return True, p.stdout, {"cpu_s": (int(v[0]) + int(v[1])) / 1e6,
                            "user_s": int(v[0]) / 1e6, "sys_s": int(v[1]) / 1e6,
                            "nvcsw": int(v[4]), "maxrss_kib": int(v[2])}


def host_cmd(st, stack, extra=()):
    """mid-pamhost for user bench0 (prefix "bench", index 0)."""
    return [tool("mid-pamhost")] + list(extra) + [st.service[stack], "bench"]


def parse_host(out):
    """mid-pamhost's lines -> dict: qr_ms (pam_authenticate entry to the
    first QR frame), mem {when: (anon, lib, rss)} KiB, rc."""
    r = {"mem": {}}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "end":
            r["rc"] = int(f[2])
            if int(f[4]):
                r["qr_ms"] = (int(f[4]) - int(f[3])) / 1e3
                r["qr_cpu_ms"] = int(f[6]) / 1e3
        elif f and f[0] == "mem":
            r["mem"][f[2]] = tuple(int(x) for x in f[3:6])
    return r


def floor_cmd(st, user=0):
    return [tool("mid-floor"), st.s.api_url.rstrip("/"), st.cert, st.key,
            os.path.join(st.s.certdir, "ca.pem"), bench_module.pnr(user), str(st.poll * 1000)]


def one(st, route, prefix_for=None):
    """One login by route; returns a dict (cpu_s, nvcsw, tls, qr_ms) or None.
    prefix_for(tag) gives a command prefix (callgrind) per process."""
    pre = prefix_for or (lambda tag: ())
    before = st.s.stats()["connections"]
    seen = {c["id"] for c in st.s.connections()}
    if route == "floor":
        ok, out, ru = run_rusage(st, floor_cmd(st), pre("floor"))
        ok2, _, ru2 = run_rusage(st, host_cmd(st, "permit"), pre("permit"))
        if not (ok and ok2):
            return None
        r = {k: ru[k] + ru2[k] for k in ("cpu_s", "user_s", "sys_s", "nvcsw")}
        r["auth_ms"] = int(out.split()[1]) / 1e3
    else:
        ok, out, ru = run_rusage(st, host_cmd(st, route), pre(route))
        if not ok:
            return None
        r = dict(ru, **parse_host(out))
    r["tls"] = st.s.stats()["connections"] - before
    # a TLS session resumed: the module's kept one (doc/security.md)
    r["resumed"] = sum(1 for c in st.s.connections()
                       if c["id"] not in seen and c["resumed"])
    return r


def callgrind_ir(st, route, outdir):
    """Instructions of one login, every process of it (children traced)."""
    def prefix(tag):
        return ["valgrind", "--tool=callgrind", "--trace-children=yes",
                "--callgrind-out-file=%s/cg.%s.%s.%%p" % (outdir, route, tag)]
    if one(st, route, prefix) is None:
        return None
    total = 0
    for f in glob.glob("%s/cg.%s.*" % (outdir, route)):
        with open(f, errors="replace") as fh:
            for line in fh:
                if line.startswith(("summary:", "totals:")):
                    total += int(line.split()[1])
                    break
    return total


def memory(st):
    """Module vs pam_permit in the same host: smaps at the first QR frame
    (module) and after pam_authenticate (both)."""
    res = {}
    for stack in ("module", "permit"):
        ok, out, _ = run_rusage(st, host_cmd(st, stack, extra=["-m"]))
        res[stack] = parse_host(out)["mem"] if ok else {}
    return res


def med(v):
    return statistics.median(v) if v else float("nan")


def summarize(results, cg, mem, rounds):
    rows = {}
    for route in ROUTES:
        rs = [r for r in results[route] if r]
        if not rs and route not in cg:
            continue
        rows[route] = {
            "logins": len(rs), "failed": rounds - len(rs) if results[route] else 0,
            "cpu_ms": med([r["cpu_s"] for r in rs]) * 1e3,
            "user_ms": med([r["user_s"] for r in rs]) * 1e3,
            "sys_ms": med([r["sys_s"] for r in rs]) * 1e3,
            "nvcsw": med([r["nvcsw"] for r in rs]),
            "tls": med([r["tls"] for r in rs]),
            "resumed": med([r["resumed"] for r in rs]),
            "ir": cg.get(route),
            "first_qr_ms": med([r["qr_ms"] for r in rs if "qr_ms" in r]),
            "first_qr_cpu_ms": med([r["qr_cpu_ms"] for r in rs if "qr_cpu_ms" in r]),
            "auth_ms": med([r["auth_ms"] for r in rs if "auth_ms" in r]),
        }
    m, p = mem.get("module", {}), mem.get("permit", {})
    if "qr" in m and "auth" in p:
        rows["memory"] = {"anon_kib": m["qr"][0] - p["auth"][0],
                          "lib_kib": m["qr"][1] - p["auth"][1],
                          "rss_kib": m["qr"][2] - p["auth"][2],
                          "host_anon_kib": p["auth"][0]}
    return rows


def print_table(rows, a):
    print("\none login, %d rounds, poll %d s, phone approves %.1f s after it sees the order, "
          "%s; host: %d CPUs, load average %s"
          % (a.rounds, a.poll, a.delay,
             "PKCS#12" if a.creds == "p12" else "PEM certificate + unencrypted key",
             os.cpu_count(),
             " ".join("%.2f" % x for x in os.getloadavg())))
    print("| | module | floor | node (pam_exec) | module / floor | node / module |")
    print("|---|---|---|---|---|---|")

    def line(label, key, fmt):
        v = [rows.get(r, {}).get(key) for r in ROUTES]
        cells = [fmt % x if x is not None and x == x else "-" for x in v]
        ratio = ["%.2f×" % (x / y) if x and y and x == x and y == y else "-"
                 for x, y in ((v[0], v[1]), (v[2], v[0]))]
        print("| %s | %s | %s |" % (label, " | ".join(cells), " | ".join(ratio)))
    line("CPU user+sys per login (median)", "cpu_ms", "%.1f ms")
    line("  user", "user_ms", "%.1f ms")
    line("  sys", "sys_ms", "%.1f ms")
    line("voluntary context switches", "nvcsw", "%d")
    line("TLS connections", "tls", "%d")
    line("  of them resumed", "resumed", "%d")
    line("callgrind Ir, one login", "ir", "%.3g")
    line("pam_authenticate to first QR (median)", "first_qr_ms", "%.1f ms")
    line("  CPU time of the host on that way", "first_qr_cpu_ms", "%.1f ms")
    line("start to auth reply (median)", "auth_ms", "%.1f ms")
    mem = rows.get("memory")
    if mem:
        print("\nmemory the module adds to the host while the QR is shown: anonymous %+d KiB, "
              "resident shared objects %+d KiB, all resident %+d KiB (the pam_permit host: "
              "%d KiB anonymous)" % (mem["anon_kib"], mem["lib_kib"], mem["rss_kib"],
                                     mem["host_anon_kib"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-r", "--rounds", type=int, default=5, help="logins per route (5)")
    ap.add_argument("--poll", type=int, default=2, help="collect interval, s (2)")
    ap.add_argument("--delay", type=float, default=5.5,
                    help="the phone approves this many s after it sees the order (5.5)")
    ap.add_argument("--creds", default="p12", choices=("p12", "pem"),
                    help="client credentials: PKCS#12 + password file (p12, the sample "
                    "config's) or PEM certificate + unencrypted key, both 0600 (pem; "
                    "no node route then: the npm client takes PKCS#12 only)")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-node", action="store_true", help="skip the pam_exec + node route")
    ap.add_argument("--crowd", default="100,500,1000",
                    help="logins in flight at once, comma-separated ('' for none)")
    ap.add_argument("--crowd-delay", type=float, default=6,
                    help="crowd: approval this many s after the order's creation, a "
                    "multiple of --poll (6)")
    ap.add_argument("--sim-nice", type=int, default=-10, metavar="N",
                    help="crowd: the simulator's nice value (-10): it stands in for a "
                    "remote service with CPUs of its own, so N module processes on the "
                    "same 2 CPUs must not starve it")
    ap.add_argument("--plot", metavar="SVG", help="write the crowd plot here")
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args()
    for need in ("mid-pamhost", "mid-floor", "mid-rusage"):
        if not os.path.exists(tool(need)):
            sys.exit("missing %s (build first)" % tool(need))
    module = os.path.join(sim.build_dir(), "pam_mobileid", "pam_mobileid.so")
    nm = None if a.no_node or a.creds != "p12" else node_modules()
    crowd = [int(x) for x in a.crowd.split(",") if x]
    s = sim.Sim(sim.certs(), start_failed_ms=170000)
    st = Stacks(s, max(crowd + [1]), a.poll, module, nm, a.creds)
    phone = bench_module.Phone(s, delay_ms=int(a.delay * 1000))
    phone.start()
    outdir = tempfile.mkdtemp(prefix="mid-bench-cg.")
    routes = [r for r in ROUTES if r in st.service or r == "floor"]
    results = {r: [] for r in ROUTES}
    cg, crowd_rows, rc = {}, [], 0
    try:
        for r in routes:  # warm-up: page cache, certificates
            one(st, r)
        for _ in range(a.rounds):
            for r in routes:
                results[r].append(one(st, r))
        mem = memory(st)
        if not a.no_callgrind:
            for r in routes:
                cg[r] = callgrind_ir(st, r, outdir)
        phone.stop.set()
        phone.join(2)
        if crowd:  # every thread: new ones inherit the accepting thread's
            for tid in os.listdir("/proc/%d/task" % s.proc.pid):
                try:
                    os.setpriority(os.PRIO_PROCESS, int(tid), a.sim_nice)
                except ProcessLookupError:
                    pass  # a connection's thread that has just ended
        for n in crowd:
            crowd_rows.append(bench_crowd.run(st, n, a.crowd_delay, a.poll))
    finally:
        phone.stop.set()
        st.close()
        s.stop()
        shutil.rmtree(outdir, ignore_errors=True)
    rows = summarize(results, cg, mem, a.rounds)
    print_table(rows, a)
    if crowd_rows:
        bench_crowd.print_table(crowd_rows, a.crowd_delay, a.poll)
        if a.plot:
            bench_crowd.plot(crowd_rows, a.plot, a.crowd_delay, a.poll)
    failed = sum(v.get("failed", 0) for v in rows.values()) + sum(
        c["failed"] for c in crowd_rows)
    if failed or phone.errors:
        print("FAILED logins: %d, phone errors: %r" % (failed, phone.errors[:3]))
        rc = 1
    if a.rounds and rows.get("module", {}).get("tls") != 1:
        print("the module took other than 1 TLS connection per login")
        rc = 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "crowd": crowd_rows, "load": os.getloadavg(),
                       "args": vars(a)}, f, indent=1)
    return rc


if __name__ == "__main__":
    # a TERM runs the finally blocks: simulator stopped, /etc/pam.d cleaned
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
