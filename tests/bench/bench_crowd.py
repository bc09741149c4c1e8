"""bench_crowd.py: N logins in flight at once through pam_mobileid.so.

Used by bench_compare.py. mid-pamhost forks N processes at once (as sshd
forks one per connection), each running pam_authenticate for its own user.
The virtual phone reads mid-pamhost's "qr" lines and approves each order
(/phone/open with a delay) half a poll interval before `delay` s after its
first QR frame. With `delay` a multiple of `poll`, a collect of the module
falls due `delay` s after the order's creation (it collects every poll s
from the auth reply, which comes after the creation and before the
frame), and that collect sees the approval. "beyond the delay" = end of
pam_authenticate minus (creation + delay): the module's own lateness under
the load (the auth reply's way back, late collects, the last reply,
pam_authenticate's return). Times are on one clock: the simulator counts
ms from its start on CLOCK_MONOTONIC, and clock_offset() finds that start
from a request whose time it logs; creation and approval times come from
the simulator's order list after the run. "phone late" counts approvals
the simulator recorded after creation + delay (the QR frame or the phone
came late): for those, "beyond" counts from the next collect time on the
schedule creation + k * poll instead. A person who approves at a random
moment waits up to one poll interval for the next collect, with any
client.
"""
import concurrent.futures
import http.client
import json
import math
import os
import re
import statistics
import subprocess
import threading
import time

import bench_module
import sim

def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def clock_offset(s):
    """The simulator's start on our CLOCK_MONOTONIC, in s: a collect on a
    warm connection, bracketed by our clock, and the t_ms it logged."""
    conn, best = s.connect(), None
    try:
        s.api("collect", {"orderRef": "0"}, conn=conn)
        for _ in range(5):
            t0 = time.monotonic()
            s.api("collect", {"orderRef": "0"}, conn=conn)
            t1 = time.monotonic()
            t_ms = s.requests()[-1]["t_ms"]
            if best is None or t1 - t0 < best[0]:
                best = (t1 - t0, (t0 + t1) / 2 - t_ms / 1000)
    finally:
        conn.close()
    return best[1]


class CrowdPhone:
    """Approves each login's order (/phone/open, one request) when its first
    QR frame appears, to take effect `lead` s before `delay` s after that
    frame: before the collect due `delay` s after the order's creation,
    which came a little before the frame, and after the one before it."""

    def __init__(self, s, delay, lead):
        self.s, self.delay, self.lead = s, delay, lead
        self.errors = []
        self.local = threading.local()  # one keep-alive connection per thread

    def open(self, pnr, delay_ms):
        body = json.dumps({"personalNumber": pnr, "action": "approve",
                           "delay_ms": delay_ms})
        for _ in range(2):  # once more on a fresh connection
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.s.control_port, timeout=30)
            try:
                conn.request("POST", "/phone/open", body=body,
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
        return 0, b""

    def __call__(self, i, t_qr):
        wait = t_qr + self.delay - self.lead - time.monotonic()
        code, body = self.open(bench_module.pnr(i), max(0, int(wait * 1000)))
        if code != 200:
            self.errors.append("approve %d: %s %r" % (i, code, body[:100]))


def timeline(s, n, origin, delay, poll):
    """From the simulator's orders: {login: (due, late)} on our clock for
    each login's completed order; due = creation + delay, or, when the
    approval came later (late), the first collect time after it on the
    schedule (creation + k * poll) that a client without delays keeps."""
    by_pnr = {bench_module.pnr(i): i for i in range(n)}
    out = {}
    for o in s.orders():
        i = by_pnr.get(o["personalNumber"])
        if i is not None and o["status"] == "complete":
            created, final = origin + o["created_ms"] / 1000, origin + o["final_ms"] / 1000
            due, late = created + delay, final > created + delay
            if late:
                due = created + math.ceil((final - created) / poll) * poll
            out[i] = (due, late)
    return out


def run(st, n, delay, poll):
    """One crowd of n; returns a dict of the figures."""
    ends, why, err = {}, {}, ""
    st.s.reset()  # no order left over from an earlier crowd
    origin = clock_offset(st.s)
    phone = CrowdPhone(st.s, delay, poll / 2)
    before = st.s.stats()["connections"]
    t0 = time.monotonic()
    cmd = [os.path.join(sim.build_dir(), "tests", "bench", "mid-pamhost"),
           "-n", str(n), st.service["module"], "bench"]
    rusage = None
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        p = subprocess.Popen(cmd, env=st.env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            f = line.split()
            if f[0] == "qr":
                pool.submit(phone, int(f[1]), int(f[2]) / 1e6)
            elif f[0] == "end":
                ends[int(f[1])] = [int(x) for x in f[2:]]
            elif f[0] == "err":
                err = "rc %d: %s" % (ends.get(int(f[1]), [-1])[0], " ".join(f[2:]))
            elif f[0] == "log":
                # the log line without its URL, ports and order refs
                k = "%s (log: %s)" % (err, re.sub(r"https?://\S*|[0-9a-f-]{36}|\d+", "…",
                                                  " ".join(f[2:]))[:120])
                why[k] = why.get(k, 0) + 1
            elif f[0] == "rusage":
                rusage = [int(x) for x in f[1:]]
        p.wait()
    wall = time.monotonic() - t0
    times, errors = timeline(st.s, n, origin, delay, poll), phone.errors
    ok = [i for i, e in ends.items() if e[0] == 0 and i in times]
    beyond = [ends[i][3] / 1e6 - times[i][0] for i in ok]
    late = sum(1 for i in ok if times[i][1])
    first_qr = [(ends[i][2] - ends[i][1]) / 1e6 for i in ok]
    return {
        "n": n, "failed": n - len(ok) + len(errors), "phone_errors": errors[:3],
        "why": why, "phone_late": late,
        "beyond_p50": pct(beyond, 50), "beyond_p99": pct(beyond, 99),
        "beyond_max": max(beyond) if beyond else float("nan"),
        "first_qr_p50": pct(first_qr, 50), "first_qr_p99": pct(first_qr, 99),
        "cpu_ms_per_login": (rusage[0] + rusage[1]) / 1e3 / n if rusage else float("nan"),
        "nvcsw_per_login": rusage[2] / n if rusage else float("nan"),
        "tls_per_login": (st.s.stats()["connections"] - before) / n,
        # connections that resumed the TLS session kept in state_dir
        "resumed_share": sum(1 for c in st.s.connections() if c["resumed"]) / n,
        "wall_s": wall, "load": os.getloadavg()[0],
    }


def print_table(rows, delay, poll):
    print("\nlogins in flight at once (one process each), the phone approves %.1f s after the "
          "first QR frame, before the collect due %.0f s after the order's creation; poll %d s"
          % (delay - poll / 2, delay, poll))
    print("| in flight | failed | beyond the delay p50 | p99 | max | phone late "
          "| first QR p50 | p99 | CPU/login | vol. cs/login | TLS/login | resumed | wall | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %d | %.2f s | %.2f s | %.2f s | %d | %.2f s | %.2f s | %.1f ms | %.0f "
              "| %.2f | %.0f%% | %.0f s | %.1f |"
              % (r["n"], r["failed"], r["beyond_p50"], r["beyond_p99"], r["beyond_max"],
                 r["phone_late"], r["first_qr_p50"], r["first_qr_p99"],
                 r["cpu_ms_per_login"], r["nvcsw_per_login"], r["tls_per_login"],
                 100 * r["resumed_share"], r["wall_s"], r["load"]))
    for r in rows:
        for k, v in sorted(r["why"].items()):
            print("  %d in flight, %d failed with %s" % (r["n"], v, k))


def plot(rows, path, delay, poll):
    """Two panels, SVG drawn by hand: time beyond approval (p50, p99) and
    time to the first QR frame (p50, p99) against logins in flight."""
    W, H, M = 360, 260, 50
    panels = [("time beyond the delay (s)", "beyond_p50", "beyond_p99"),
              ("pam_authenticate to first QR (s)", "first_qr_p50", "first_qr_p99")]
    xs = [r["n"] for r in rows]
    xmax = max(xs) * 1.05
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (2 * W + 20, H + 40),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="16" font-size="13">pam_mobileid: N logins in flight at once '
           '(collect due %.1f s after the order, poll %d s); failures: %s</text>'
           % (delay, poll, ", ".join("%d at %d" % (r["failed"], r["n"]) for r in rows))]
    for k, (title, p50, p99) in enumerate(panels):
        ox, oy = k * (W + 20), 30
        ymax = max([r[p99] for r in rows if r[p99] == r[p99]] + [1.0]) * 1.1
        X = lambda x: ox + M + (x / xmax) * (W - M - 10)  # noqa: E731
        Y = lambda y: oy + H - M + 10 - (y / ymax) * (H - M - 10)  # noqa: E731
        out.append('<text x="%d" y="%d">%s</text>' % (ox + M, oy + 10, title))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
                   % (X(0), Y(0), X(xmax), Y(0)))
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
                   % (X(0), Y(0), X(0), Y(ymax)))
        for i in range(5):
            yv = ymax * i / 4
            out.append('<text x="%d" y="%d" text-anchor="end">%.2f</text>'
                       % (X(0) - 4, Y(yv) + 4, yv))
        for x in xs:
            out.append('<text x="%d" y="%d" text-anchor="middle">%d</text>'
                       % (X(x), Y(0) + 14, x))
        out.append('<text x="%d" y="%d" text-anchor="middle">logins in flight</text>'
                   % (X(xmax / 2), Y(0) + 28))
        if k == 0:
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="red" '
                       'stroke-dasharray="4"/>' % (X(0), Y(1), X(xmax), Y(1)))
            out.append('<text x="%d" y="%d" fill="red">target p99 1 s</text>'
                       % (X(0) + 6, Y(1) - 4))
        for key, color in ((p50, "#1f77b4"), (p99, "#d62728")):
            pts = " ".join("%.1f,%.1f" % (X(r["n"]), Y(r[key])) for r in rows
                           if r[key] == r[key])
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>'
                       % (pts, color))
            for r in rows:
                if r[key] == r[key]:
                    out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>'
                               % (X(r["n"]), Y(r[key]), color))
            out.append('<text x="%d" y="%d" fill="%s">%s</text>'
                       % (X(xmax) - 40, Y(rows[-1][key]) - 6, color, key.split("_")[-1]))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
