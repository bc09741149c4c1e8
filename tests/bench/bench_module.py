#!/usr/bin/python3
"""bench_module.py: what one login costs the host running pam_mobileid.so.

Runs N BankID logins through the real libpam (pamtester under pam_wrapper,
as tests/pam does) against mobileid-sim over mTLS, with a virtual phone
that approves every order the moment it appears, and the same N logins
through a pam_permit.so stack as the baseline (pamtester, libpam and
pam_wrapper without the module). Reports per login:

  wall time             start of pamtester to its exit
  CPU user+sys          getrusage of the pamtester process (wait4 in
                        mid-rusage), i.e. the process the module runs in
  peak RSS              ru_maxrss of that process (VmHWM)
  callgrind Ir          instructions of one login under valgrind
                        --tool=callgrind: the whole process, and inclusive
                        in pam_sm_authenticate (the module's own call)
  TLS connections       completed handshakes the simulator counted (must be
                        1 per login: auth and every collect share one)

Use tests/bench/bench-module.sh, which finds the build; see README.md.
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import pamrun  # noqa: E402
import pbmsim  # noqa: E402
import toopher_sim  # noqa: E402
import sim  # noqa: E402
import safedir  # noqa: E402
from safedir import safe_tmpdir  # noqa: E402

PERMIT = "/lib/x86_64-linux-gnu/security/pam_permit.so"


def pnr(i):
    """A valid 12-digit personal number per index (Luhn check digit)."""
    base = "199001%02d%03d" % (1 + i // 1000 % 28, i % 1000)
    digits = base[2:]
    total = 0
    for k, ch in enumerate(digits):
        d = int(ch) * (2 if k % 2 == 0 else 1)
        total += d // 10 + d % 10
    return base + str((10 - total % 10) % 10)


def pbm_id(i):
    return "bench%d@example.com" % i


class Phone(threading.Thread):
    """The virtual phone: opens and approves every pending order the moment
    it appears (/phone/open), the approval delay_ms later (0: the module's
    first collect completes)."""

    def __init__(self, s, interval=0.005, delay_ms=0):
        super().__init__(daemon=True)
        self.s = s
        self.delay_ms = delay_ms
        self.interval = interval
        self.seen = set()
        self.stop = threading.Event()
        self.errors = []

    def run(self):
        last = -1
        while not self.stop.is_set():
            try:
                n = self.s.stats()["orders"]
                if n != last:
                    for o in self.s.orders():
                        if o["status"] == "pending" and o["orderRef"] not in self.seen:
                            self.seen.add(o["orderRef"])
                            st, body = self.s.open(o["personalNumber"], "approve",
                                                  self.delay_ms)
                            if st != 200:
                                self.errors.append((st, body))
                    last = n
            except (RuntimeError, OSError, KeyError) as e:
                self.errors.append(repr(e))
            self.stop.wait(self.interval)


class ToopherPhone(threading.Thread):
    """Toopher's virtual phone: grants every pairing's pending request as
    soon as the simulator has a new one (/phone/answer, not automated)."""

    def __init__(self, s, pairings, interval=0.005):
        super().__init__(daemon=True)
        self.s, self.pairings, self.interval = s, pairings, interval
        self.stop = threading.Event()
        self.errors = []

    def run(self):
        last = 0
        while not self.stop.is_set():
            try:
                n = len(self.s.requests_made())
                if n != last:
                    for pid in self.pairings:
                        self.s.answer(pid, "grant")  # 4xx: none pending
                    last = n
            except (RuntimeError, OSError, KeyError) as e:
                self.errors.append(repr(e))
            self.stop.wait(self.interval)


class Setup:
    """Config, usermap and pam.d service files in a private temp dir."""

    def __init__(self, s, users, qr, poll, timeout, module, creds="p12",
                 provider="bankid", ids=None):
        self.dir = safe_tmpdir("mid-bench.")
        ids = ids or [pnr(i) if provider == "bankid" else pbm_id(i) for i in range(users)]
        self.usermap = self.write("usermap", "".join(
            "bench%d %s:%s\n" % (i, provider, ids[i]) for i in range(users)), 0o644)
        c = s.certdir
        if provider == "toopher":  # server-authenticated TLS, OAuth 1.0a
            cred = "consumer_key = %s\nconsumer_secret_file = %s\n" % (
                toopher_sim.KEY, toopher_sim.write_secret(os.path.join(self.dir, "secret")))
        elif creds == "p12":  # PKCS#12, password-protected (PBKDF2)
            cred = "cert = %s\npassword_file = %s\n" % (
                os.path.join(c, "client.p12"), os.path.join(c, "client.pass"))
        else:  # PEM certificate and unencrypted PEM key, both mode 0600
            with open(os.path.join(c, "client.pem")) as f:
                pem = self.write("client.pem", f.read(), 0o600)
            cred = "cert = %s\nkey = %s\n" % (pem, os.path.join(c, "client.key"))
        self.conf = self.write("pam_mobileid.conf", (
            "[general]\nusermap = %s\ntimeout = %d\nqr = %s\n"
            # the run's own state; the same users log in again and again
            "state_dir = %s\ndeny_hold = 0\nmax_requests = 0/600\n"
            "[%s]\nurl = %s\n%sca = %s\n%s"
            % (self.usermap, timeout, qr, os.path.join(self.dir, "state"),
               provider, s.api_url, cred,
               os.path.join(c, "ca.pem"),
               "poll = %d\n" % poll if provider == "bankid" else "")), 0o600)
        self.svc = {}
        for name, line in (("mid", "auth required %s conf=%s" % (module, self.conf)),
                           ("permit", "auth required %s" % PERMIT)):
            d = os.path.join(self.dir, "pam.d-" + name)
            os.mkdir(d)
            with open(os.path.join(d, "midbench"), "w") as f:
                f.write(line + "\n")
            self.svc[name] = d

    def write(self, name, text, mode):
        return pamrun.write_file(self.dir, name, text, mode)

    def env(self, stack):
        return pamrun.pam_wrapper_env(self.svc[stack])

    def close(self):
        safedir.remove(self.dir)


def rusage_tool():
    return os.path.join(sim.build_dir(), "tests", "bench", "mid-rusage")


def login(setup, stack, user, prefix=(), timeout=120):
    """One pamtester run under mid-rusage; returns (ok, wall s, user s,
    sys s, maxrss KiB) of the pamtester process."""
    fd, ru_file = tempfile.mkstemp(prefix="mid-bench-ru.", dir=setup.dir)
    os.close(fd)
    cmd = [rusage_tool(), ru_file] + list(prefix) + [
        "pamtester", "midbench", user, "authenticate"]
    with tempfile.TemporaryFile() as out:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=setup.env(stack), stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        wall = time.monotonic() - t0
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    with open(ru_file) as f:
        fields = f.read().split()
    os.unlink(ru_file)
    ok = p.returncode == 0 and "successfully authenticated" in text
    if not ok or len(fields) < 4:
        sys.stderr.write("login %s/%s failed (rc %s):\n%s\n"
                         % (stack, user, p.returncode, text[-1500:]))
        return False, wall, 0.0, 0.0, 0
    utime, stime, maxrss = int(fields[0]) / 1e6, int(fields[1]) / 1e6, int(fields[2])
    return ok, wall, utime, stime, maxrss


def run_batch(setup, stack, n, parallel):
    """n logins, parallel at a time (users bench0..); returns the results
    and the elapsed wall time of the whole batch."""
    results = [None] * n
    lock = threading.Lock()
    nxt = [0]

    def worker(slot):
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                return
            # one user per slot: a person has one BankID order at a time
            results[i] = login(setup, stack, "bench%d" % slot)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.monotonic() - t0


def callgrind(setup, stack, outdir, tag):
    """One login under callgrind; returns (total Ir, Ir inclusive in
    pam_sm_authenticate or None)."""
    f = os.path.join(outdir, "callgrind.%s.out" % tag)
    prefix = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f]
    ok = login(setup, stack, "bench0", prefix=prefix, timeout=300)[0]
    if not ok:
        return None, {}
    total = None
    with open(f) as fh:
        for line in fh:
            m = re.match(r"(?:summary|totals):\s+(\d+)", line)
            if m:
                total = int(m.group(1))
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f],
                         capture_output=True, text=True)
    incl = {}
    for line in ann.stdout.splitlines():
        # "  75,581,727 (78.01%)  /src/pam_mobileid.c:pam_sm_authenticate [/b/pam_mobileid.so]"
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:([A-Za-z_]\w*)\S* \[(.*)\]$", line)
        if m and m.group(3).endswith("/pam_mobileid.so"):
            v = int(m.group(1).replace(",", ""))
            incl[m.group(2)] = max(v, incl.get(m.group(2), 0))
    return total, incl


# the module's calls worth naming in the callgrind breakdown (inclusive Ir)
BREAKDOWN = [
    ("pam_sm_authenticate", "in pam_sm_authenticate (the module)"),
    ("cfg_load", "  config file"),
    ("usermap_lookup", "  user map"),
    ("creds_load", "  client credentials (cert, key)"),
    ("bankid_start", "  auth: TLS handshake + order"),
    ("bankid_poll", "  collects"),
    ("qr_render", "  QR rendering"),
    ("bankid_free", "  cleanup"),
]


def fmt_ir(v):
    return "-" if v is None else "{:,}".format(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--logins", type=int, default=20, help="logins per stack (20)")
    ap.add_argument("-j", "--parallel", type=int, default=1,
                    help="concurrent logins, one user each (1)")
    ap.add_argument("--qr", default="animate", choices=("animate", "off", "prompt"),
                    help="qr mode of the module (animate: the QR is rendered)")
    ap.add_argument("--poll", type=int, default=1, help="[bankid] poll, seconds (1)")
    ap.add_argument("--creds", default="p12", choices=("p12", "pem"),
                    help="client credentials: PKCS#12 + password file (p12, as the "
                    "sample config) or PEM cert + unencrypted key (pem)")
    ap.add_argument("--provider", default="bankid", choices=("bankid", "passbyme", "toopher"),
                    help="bankid (mobileid-sim), passbyme (passbyme-sim, the push "
                    "approved as soon as the app has it) or toopher (toopher-sim, "
                    "the request granted as soon as it is pending; no client certificate)")
    ap.add_argument("--busy", type=int, default=0, metavar="K",
                    help="keep K CPU-bound processes running meanwhile (a busy host)")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the callgrind runs")
    ap.add_argument("--keep", metavar="DIR", help="keep the callgrind output files here")
    ap.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    a = ap.parse_args()
    if a.parallel < 1 or a.logins < 1:
        ap.error("need at least one login")

    module = os.path.join(sim.build_dir(), "pam_mobileid", "pam_mobileid.so")
    simcls = {"passbyme": pbmsim.PbmSim, "toopher": toopher_sim.ToopherSim}.get(
        a.provider, sim.Sim)
    for need in (module, sim.sim_binary(simcls.BINARY), rusage_tool()):
        if not os.path.exists(need):
            sys.exit("missing %s (build first)" % need)
    for prog in ["pamtester"] + ([] if a.no_callgrind else ["valgrind", "callgrind_annotate"]):
        if not shutil.which(prog):
            sys.exit("missing %s" % prog)

    # orders stay pending long enough for a slow (callgrind) login
    users = max(a.parallel, 1)
    if a.provider == "passbyme":
        # delivered and fetched at once, approved on the first poll
        s = pbmsim.PbmSim(sim.certs(), delivery_ms=0, download_ms=0)
        for i in range(users):
            s.user(pbm_id(i), answer="approve")
    elif a.provider == "toopher":
        s = toopher_sim.ToopherSim()
        ids = [s.new_pairing("bench%d" % i)["id"] for i in range(users)]
    else:
        s = sim.Sim(sim.certs(), start_failed_ms=120000)
    setup = Setup(s, users, a.qr, a.poll, 120, module, a.creds, a.provider,
                  ids if a.provider == "toopher" else None)
    phone = ToopherPhone(s, ids) if a.provider == "toopher" else Phone(s)
    if a.provider != "passbyme":
        phone.start()
    outdir = a.keep or tempfile.mkdtemp(prefix="mid-bench-cg.")
    os.makedirs(outdir, exist_ok=True)
    rc = 0
    hogs = []
    try:
        # a warm-up login of each (page cache, certificates)
        login(setup, "permit", "bench0")
        if not login(setup, "mid", "bench0")[0]:
            sys.exit("the warm-up login failed")
        for _ in range(a.busy):
            hogs.append(subprocess.Popen(["sh", "-c", "while :; do :; done"]))
        base, base_t = run_batch(setup, "permit", a.logins, a.parallel)
        before = s.stats()
        mid, mid_t = run_batch(setup, "mid", a.logins, a.parallel)
        after = s.stats()
        failed = sum(1 for r in mid + base if not r[0])
        conns = (after["connections"] - before["connections"]) / a.logins
        reqs = (after["requests"] - before["requests"]) / a.logins
        fails = after["handshake_failures"] - before["handshake_failures"]
        for h in hogs:
            h.kill()
            h.wait()
        hogs = []
        cg = {}
        if not a.no_callgrind:
            cg["mid"] = callgrind(setup, "mid", outdir, "mid")
            cg["permit"] = callgrind(setup, "permit", outdir, "permit")
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        phone.stop.set()
        if phone.is_alive():
            phone.join(2)
        s.stop()
        setup.close()
        if not a.keep:
            shutil.rmtree(outdir, ignore_errors=True)

    def col(rs, k):
        return [r[k] for r in rs if r[0]]

    def med(v):
        return statistics.median(v) if v else float("nan")

    m_wall, b_wall = med(col(mid, 1)), med(col(base, 1))
    m_cpu = [u + y for u, y in zip(col(mid, 2), col(mid, 3))]
    b_cpu = [u + y for u, y in zip(col(base, 2), col(base, 3))]
    m_usr, m_sys = med(col(mid, 2)), med(col(mid, 3))
    m_rss, b_rss = max(col(mid, 4) or [0]), max(col(base, 4) or [0])
    load = os.getloadavg()[0]

    print()
    print("pam_mobileid per login: %s, %d logins, %d at a time, qr=%s, creds=%s, poll=%s, "
          "the simulated phone approves at once"
          % (a.provider, a.logins, a.parallel, a.qr, a.creds,
             "%d s" % a.poll if a.provider == "bankid" else "1 s"))
    print("host: %d CPUs, load average %.2f, %d CPU hogs; baseline = pamtester + libpam + "
          "pam_wrapper with pam_permit.so" % (os.cpu_count(), load, a.busy))
    print()
    w = 36
    print("%-*s %16s %16s %16s" % (w, "", "pam_mobileid", "pam_permit", "module's share"))
    print("%-*s %15.3fs %15.3fs %15.3fs" % (w, "wall time (median)", m_wall, b_wall,
                                              m_wall - b_wall))
    print("%-*s %15.1fms %15.1fms %15.1fms" % (w, "CPU user+sys (median)", med(m_cpu) * 1e3,
                                                 med(b_cpu) * 1e3,
                                                 (med(m_cpu) - med(b_cpu)) * 1e3))
    print("%-*s %15.1fms %15.1fms" % (w, "  CPU user+sys (mean)", statistics.mean(m_cpu) * 1e3
                                       if m_cpu else float("nan"),
                                       statistics.mean(b_cpu) * 1e3 if b_cpu else float("nan")))
    print("%-*s %7.1fms/%5.1fms" % (w, "  user / sys (median)", m_usr * 1e3, m_sys * 1e3))
    print("%-*s %14.1fMiB %14.1fMiB %14.1fMiB" % (w, "peak RSS (max)", m_rss / 1024,
                                                   b_rss / 1024, (m_rss - b_rss) / 1024))
    if cg:
        mt, incl = cg["mid"]
        bt, _ = cg["permit"]
        print("%-*s %16s %16s %16s" % (w, "callgrind Ir, whole process", fmt_ir(mt), fmt_ir(bt),
                                       fmt_ir(mt - bt if mt and bt else None)))
        for fn, label in BREAKDOWN:
            if fn in incl:
                print("%-*s %16s" % (w, "  " + label, fmt_ir(incl[fn])))
    print("%-*s %16.2f %16s" % (w, "TLS connections per login", conns, "(must be 1)"))
    print("%-*s %16.2f %16s" % (w, "API requests per login", reqs,
                                 "(auth + collects)" if a.provider == "bankid"
                                 else "(send + polls)"))
    print("%-*s %15.1f/s %15.1f/s" % (w, "throughput of the batch", a.logins / mid_t,
                                      a.logins / base_t))
    print()
    if failed:
        print("FAILED logins: %d" % failed)
        rc = 1
    if conns != 1 or fails:
        print("TLS connections per login %.2f (handshake failures %d): must be 1"
              % (conns, fails))
        rc = 1
    if phone.errors:
        print("virtual phone errors: %r" % phone.errors[:5])
        rc = 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"provider": a.provider, "logins": a.logins, "parallel": a.parallel, "qr": a.qr,
                       "creds": a.creds, "busy": a.busy,
                       "poll": a.poll, "wall_s": m_wall, "wall_baseline_s": b_wall,
                       "cpu_s": med(m_cpu), "cpu_baseline_s": med(b_cpu),
                       "maxrss_kib": m_rss, "maxrss_baseline_kib": b_rss,
                       "callgrind": cg, "tls_connections_per_login": conns,
                       "requests_per_login": reqs, "failed": failed}, f, indent=1)
    return rc


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
