#!/usr/bin/python3
"""timeline.py: where the time from pam_authenticate to the first QR frame
goes, step by step, on both ends of the connection.

libmid-timeline.so (timeline.c) is preloaded into mobileid-sim and into
mid-pamhost, which runs the logins one at a time through the real libpam
and pam_mobileid.so (PKCS#12 credentials and a kept TLS session, as
bench_compare.py's module route). Each process notes its file opens,
connects, threads, lookups and socket reads and writes; the steps of a
login are cut at those events and the median of each is printed. The
simulator's rows say how long it worked between reading our message and
writing its answer: on loopback it runs on the same CPUs as the module.
"""
import argparse
import glob
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import bench_compare  # noqa: E402
import bench_module  # noqa: E402
import sim  # noqa: E402

HELLO_MIN = 512  # a ClientHello with a kept session is over 1 KB


def shim():
    return os.path.join(sim.build_dir(), "tests", "bench", "libmid-timeline.so")


def events(paths, since):
    """(t, tid, what, detail) of the files, from since on, in time order."""
    out = []
    for p in paths:
        with open(p) as f:
            for line in f:
                t, tid, what, *rest = line.split(None, 3) + [""]
                if int(t) >= since:
                    out.append((int(t), tid, what, rest[0].strip()))
    return sorted(out)


def first(evs, pred, after=0):
    return next((e for e in evs if e[0] >= after and pred(e)), None)


def size(e):
    return int(e[3]) if e[3].isdigit() else 0


def steps(mod, srv, t_auth, t_qr, ca):
    """The marks of one login, in ms from pam_authenticate; None when the
    login's events are not all there (e.g. a full handshake)."""
    cred = first(mod, lambda e: e[2] == "open" and e[3] == ca)
    conn = first(mod, lambda e: e[2] == "connect")
    if not (cred and conn):
        return None
    hello = first(mod, lambda e: e[2] == "send" and size(e) >= HELLO_MIN, conn[0])
    if not hello:
        return None
    shello = first(mod, lambda e: e[2] == "recv", hello[0])
    s_in = first(srv, lambda e: e[2] == "sread" and size(e) >= HELLO_MIN, hello[0])
    if not (shello and s_in):
        return None
    s_out = first(srv, lambda e: e[2] == "swrite" and e[1] == s_in[1], s_in[0])
    # our Finished, then the request: the first send after it that is
    # larger than a Finished record
    req = first(mod, lambda e: e[2] == "send" and size(e) > 100, shello[0])
    reply = [e for e in mod if e[2] == "recv" and req and req[0] <= e[0] <= t_qr]
    if not (s_out and req and reply):
        return None
    # the simulator reads the request, then writes a ticket and the reply
    s_req = first(srv, lambda e: e[2] == "sread" and e[1] == s_in[1] and size(e) > 100,
                  req[0])
    s_rep = [e for e in srv if e[2] == "swrite" and e[1] == s_in[1]
             and req[0] <= e[0] <= reply[-1][0]]
    after_fin = first(srv, lambda e: e[2] == "sread" and e[1] == s_in[1], shello[0])
    if not (s_req and s_rep and after_fin):
        return None
    ms = lambda t: (t - t_auth) / 1000.0  # noqa: E731
    return {
        "credentials": ms(cred[0]), "connect": ms(conn[0]),
        "clienthello": ms(hello[0]), "serverhello": ms(shello[0]),
        "request": ms(req[0]), "reply": ms(reply[-1][0]), "qr": ms(t_qr),
        "sim_hello": (s_out[0] - s_in[0]) / 1000.0,
        "sim_reply": (s_rep[-1][0] - after_fin[0]) / 1000.0,
    }


ROWS = [
    ("config, user map, policy (OpenSSL's start-up), start gate, session",
     None, "credentials"),
    ("CA, client certificate files, kept session; the lookup's answer",
     "credentials", "connect"),
    ("TCP connect to ClientHello (TLS context, random generator, key share)",
     "connect", "clienthello"),
    ("ClientHello to ServerHello", "clienthello", "serverhello"),
    ("  of it the simulator, ClientHello read to ServerHello written",
     "sim_hello", None),
    ("ServerHello to the auth request sent (keys, Finished)",
     "serverhello", "request"),
    ("request sent to reply received", "request", "reply"),
    ("  of it the simulator, Finished read to reply written (a ticket too)",
     "sim_reply", None),
    ("reply to the first QR frame (JSON, QR)", "reply", "qr"),
    ("pam_authenticate to the first QR frame", None, "qr"),
]


def print_table(marks):
    print("| step (median of %d logins) | ms |" % len(marks))
    print("|---|---|")
    for label, a, b in ROWS:
        if b is None:  # a duration of its own
            v = [m[a] for m in marks]
        else:
            v = [m[b] - (m[a] if a else 0.0) for m in marks]
        print("| %s | %.2f |" % (label, statistics.median(v)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--logins", type=int, default=30)
    a = ap.parse_args()
    if not os.path.exists(shim()):
        sys.exit("missing %s (build first)" % shim())
    out = tempfile.mkdtemp(prefix="mid-timeline.")
    srv_dir = os.path.join(out, "sim")
    os.mkdir(srv_dir)
    os.environ.update(LD_PRELOAD=shim(), MID_TIMELINE_DIR=srv_dir)
    try:
        s = sim.Sim(sim.certs(), start_failed_ms=170000)
    finally:
        del os.environ["LD_PRELOAD"], os.environ["MID_TIMELINE_DIR"]
    module = os.path.join(sim.build_dir(), "pam_mobileid", "pam_mobileid.so")
    st = bench_compare.Stacks(s, 1, 1, module, None)
    phone = bench_module.Phone(s, delay_ms=300, interval=0.1)
    phone.start()
    logins, marks = [], []
    try:
        bench_compare.one(st, "module")  # the kept session and copy
        for i in range(a.logins):
            d = os.path.join(out, str(i))
            os.mkdir(d)
            ok, o, _ = bench_compare.run_rusage(
                st, bench_compare.host_cmd(st, "module"),
                ["env", "LD_PRELOAD=" + shim(), "MID_TIMELINE_DIR=" + d])
            r = bench_compare.parse_host(o)
            if not ok or "qr_ms" not in r:
                sys.exit("login %d failed" % i)
            end = [ln.split() for ln in o.splitlines() if ln.startswith("end")][0]
            logins.append((d, int(end[3]), int(end[4])))
    finally:
        phone.stop.set()
        st.close()
        s.stop()  # the simulator writes its events as it exits
    ca = "ca.pem"  # the CA file Stacks configures
    for d, t_auth, t_qr in logins:
        mod = events(glob.glob(os.path.join(d, "tl.*")), t_auth)
        srv = events(glob.glob(os.path.join(srv_dir, "tl.*")), t_auth)
        m = steps(mod, srv, t_auth, t_qr, ca)
        if m:
            marks.append(m)
    shutil.rmtree(out, ignore_errors=True)
    if len(marks) < max(1, a.logins // 2):
        sys.exit("only %d of %d logins could be cut into steps" % (len(marks), a.logins))
    print_table(marks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
