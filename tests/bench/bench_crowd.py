"""bench_crowd.py: N logins in flight at once through pam_mobileid.so.

Used by bench_compare.py. mid-pamhost forks N processes at once (as sshd
forks one per connection), each running pam_authenticate for its own user;
the virtual phone approves each order `delay` s after that login's first QR
frame (it reads mid-pamhost's "qr" lines and calls /phone/open with the
rest of the delay). Per login: "beyond" = end of pam_authenticate minus the
moment of approval; the delay is chosen to fall 0.2 s before a collect is
due (5.8 s with poll 2), so "beyond" is that 0.2 s plus how late the
module's collect, its reply and the end of the login come under the load.
"""
import concurrent.futures
import os
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


def run(st, n, delay):
    """One crowd of n; returns a dict of the figures."""
    approve_at, ends, lock = {}, {}, threading.Lock()
    errors = []

    def approve(i, t_qr):
        want = t_qr + delay
        now = time.monotonic()
        with lock:
            approve_at[i] = max(want, now)
        code, body = st.s.open(bench_module.pnr(i), "approve",
                               max(0, int((want - now) * 1000)))
        if code != 200:
            errors.append((i, code, body))

    before = st.s.stats()["connections"]
    t0 = time.monotonic()
    cmd = [os.path.join(sim.build_dir(), "tests", "bench", "mid-pamhost"), "-n", str(n), st.service["module"], "bench"]
    rusage = None
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        p = subprocess.Popen(cmd, env=st.env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            f = line.split()
            if f[0] == "qr":
                pool.submit(approve, int(f[1]), int(f[2]) / 1e6)
            elif f[0] == "end":
                ends[int(f[1])] = [int(x) for x in f[2:]]
            elif f[0] == "rusage":
                rusage = [int(x) for x in f[1:]]
        p.wait()
    wall = time.monotonic() - t0
    ok = [i for i, e in ends.items() if e[0] == 0 and i in approve_at]
    beyond = [ends[i][3] / 1e6 - approve_at[i] for i in ok]
    first_qr = [(ends[i][2] - ends[i][1]) / 1e6 for i in ok]
    return {
        "n": n, "failed": n - len(ok) + len(errors), "phone_errors": errors[:3],
        "beyond_p50": pct(beyond, 50), "beyond_p99": pct(beyond, 99),
        "beyond_max": max(beyond) if beyond else float("nan"),
        "first_qr_p50": pct(first_qr, 50), "first_qr_p99": pct(first_qr, 99),
        "cpu_ms_per_login": (rusage[0] + rusage[1]) / 1e3 / n if rusage else float("nan"),
        "nvcsw_per_login": rusage[2] / n if rusage else float("nan"),
        "tls_per_login": (st.s.stats()["connections"] - before) / n,
        "wall_s": wall, "load": os.getloadavg()[0],
    }


def print_table(rows, delay, poll):
    print("\nlogins in flight at once (one process each), approved %.1f s after their first "
          "QR frame, poll %d s" % (delay, poll))
    print("| in flight | failed | beyond approval p50 | p99 | max | first QR p50 | p99 "
          "| CPU/login | vol. cs/login | TLS/login | wall | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %d | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.1f ms | %.0f "
              "| %.2f | %.0f s | %.1f |"
              % (r["n"], r["failed"], r["beyond_p50"], r["beyond_p99"], r["beyond_max"],
                 r["first_qr_p50"], r["first_qr_p99"], r["cpu_ms_per_login"],
                 r["nvcsw_per_login"], r["tls_per_login"], r["wall_s"], r["load"]))


def plot(rows, path, delay, poll):
    """Two panels, SVG drawn by hand: time beyond approval (p50, p99) and
    time to the first QR frame (p50, p99) against logins in flight."""
    W, H, M = 360, 260, 50
    panels = [("time beyond approval (s)", "beyond_p50", "beyond_p99"),
              ("pam_authenticate to first QR (s)", "first_qr_p50", "first_qr_p99")]
    xs = [r["n"] for r in rows]
    xmax = max(xs) * 1.05
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (2 * W + 20, H + 40),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="16" font-size="13">pam_mobileid: N logins in flight at once '
           '(approval %.1f s after the QR, poll %d s); failures: %s</text>'
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
