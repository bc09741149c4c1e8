"""Runs the built pam_mobileid.so through the real libpam with pam_wrapper
and pamtester, against a mobileid-sim: the harness of tests/pam.

    with sim.Sim(certs) as s:
        login = PamLogin(s, usermap="alice bankid:199001011239\n",
                         general={"qr": "animate", "timeout": 20})
        login.start("alice")
        payload = login.wait_qr()          # decoded from the output text
        s.scan(payload, "approve", 1000)
        rc = login.wait()                  # PAM code name, e.g. "PAM_SUCCESS"
"""
import fcntl
import os
import re
import signal
import subprocess
import time

import logarchive
import phone
import sim
import safedir
from safedir import safe_tmpdir

PNR = "199001011239"      # valid test personal number (Luhn ok)
OTHER_PNR = "198112289874"  # another valid one


def module_path():
    return os.path.join(sim.build_dir(), "pam_mobileid", "pam_mobileid.so")


# pamtester's last line says what PAM answered
_RESULTS = [
    ("successfully authenticated", "PAM_SUCCESS"),
    ("Authentication failure", "PAM_AUTH_ERR"),
    ("User not known to the underlying authentication module", "PAM_USER_UNKNOWN"),
    ("Authentication service cannot retrieve authentication info", "PAM_AUTHINFO_UNAVAIL"),
    ("Cannot make/remove an entry for the specified session", "PAM_SESSION_ERR"),
    ("Critical error - immediate abort", "PAM_ABORT"),
    ("System error", "PAM_SYSTEM_ERR"),
    ("Error in service module", "PAM_SERVICE_ERR"),
    ("Memory buffer error", "PAM_BUF_ERR"),
    ("Have exhausted maximum number of retries for service", "PAM_MAXTRIES"),
    # libpam's answer when every module of the stack said PAM_IGNORE
    ("Permission denied", "PAM_PERM_DENIED"),
]


def _complete_frames(text):
    """The text up to its last line that is not part of a QR drawing:
    pamtester's stdout is a block-buffered pipe, so what was read so far
    usually ends inside a frame, and that torn frame is the lowest QR."""
    lines = text.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if set(phone.qr_part(lines[i].rstrip("\r"))) - phone.QR_GLYPHS - {" "}:
            return "\n".join(lines[:i + 1])
    return text


def write_file(dirpath, name, text, mode):
    """Writes dirpath/name with mode; returns its path."""
    path = os.path.join(dirpath, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def pam_wrapper_env(svcdir, **extra):
    """The environment that makes libpam read its stacks from svcdir
    (pam_wrapper), in a UTF-8 locale."""
    return dict(os.environ, LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1",
                PAM_WRAPPER_SERVICE_DIR=svcdir, LANG="C.UTF-8",
                LC_ALL="C.UTF-8", **extra)


class PamLogin:
    """One configuration (files in a private root-owned temp dir under
    safedir.BASE, as the module checks every directory above them) and one
    pamtester run at a time."""

    service = "midtest"   # the PAM service pamtester names

    def __init__(self, s, usermap="alice bankid:%s\n" % PNR, general=None,
                 bankid=None, args="", stack=None, raw_conf=None,
                 passbyme=None):
        self.sim = s
        self.dir = safe_tmpdir("mid-pam.")
        self.usermap = self.write("usermap", usermap, 0o644)
        certs = s.certdir if s else sim.certs()
        # state (denial hold, grace, order count, the order lock) of this
        # login alone, and the limits off unless a test turns them on:
        # suites log the same user in many times, one after the other
        gen = {"usermap": self.usermap, "timeout": 20, "qr": "animate",
               "state_dir": os.path.join(self.dir, "state"),
               "deny_hold": 0, "max_requests": "0/600"}
        gen.update(general or {})
        bk = {"url": s.api_url if s else "https://localhost:1/rp/v6.0/",
              "cert": os.path.join(certs, "client.p12"),
              "password_file": os.path.join(certs, "client.pass"),
              "ca": os.path.join(certs, "ca.pem"), "poll": 1}
        bk.update(bankid or {})
        sections = [("general", gen), ("bankid", bk)]
        # a PassBy[ME] simulator (pbmsim.PbmSim) gets its own section
        if s and hasattr(s, "section"):
            sections[1] = ("passbyme", s.section(**(passbyme or {})))
        if raw_conf is None:
            raw_conf = "".join(
                "[%s]\n" % name + "".join("%s = %s\n" % kv for kv in sec.items()
                                         if kv[1] is not None)
                for name, sec in sections)
        self.conf = self.write("pam_mobileid.conf", raw_conf, 0o600)
        self.svcdir = os.path.join(self.dir, "pam.d")
        os.mkdir(self.svcdir)
        line = stack or "auth required %s conf=%s %s" % (module_path(), self.conf, args)
        self.write("pam.d/midtest", line + "\n", 0o644)
        self.proc = None
        self.out = b""
        self.err = b""
        self.preexec = None  # runs in pamtester's process before exec

    def write(self, name, text, mode):
        return write_file(self.dir, name, text, mode)

    def env(self, extra=None):
        env = pam_wrapper_env(self.svcdir, PAM_WRAPPER_DEBUGLEVEL="2")
        env.update(extra or {})
        return env

    def runner(self):
        """What pamtester runs under (a subclass may add valgrind)."""
        return []

    def command(self, user, rhost=None):
        """The PAM host and its arguments (a subclass may run another)."""
        cmd = ["pamtester", "-v"]
        if rhost:
            cmd += ["-I", "rhost=" + rhost]
        return cmd + [self.service, user, "authenticate"]

    def start(self, user="alice", stdin=None, env=None, rhost=None):
        # line-buffered stdout, as on a terminal: each info message reaches
        # the pipe whole and at once (stdbuf keeps pam_wrapper's LD_PRELOAD)
        cmd = ["stdbuf", "-oL"] + self.runner() + self.command(user, rhost)
        self._archive()
        self.out = self.err = b""
        self._archived = False
        # stdin="closed": no fd 0 at all, so reading an answer fails (a
        # conversation error); b"...": a pipe kept open for answer()
        closed = isinstance(stdin, str) and stdin == "closed"
        self.proc = subprocess.Popen(
            cmd, env=self.env(env), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin is not None and not closed
            else subprocess.DEVNULL,
            preexec_fn=lambda: self._preexec(closed))
        if stdin is not None and not closed:
            self.proc.stdin.write(stdin)
            self.proc.stdin.flush()
        for f in (self.proc.stdout, self.proc.stderr):
            fcntl.fcntl(f, fcntl.F_SETFL, os.O_NONBLOCK)

    def _preexec(self, close_stdin):
        if close_stdin:
            os.close(0)
        if self.preexec:
            self.preexec()

    def _drain(self):
        for name, f in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            try:
                chunk = f.read()
            except (BlockingIOError, ValueError):
                chunk = None
            if chunk:
                setattr(self, name, getattr(self, name) + chunk)

    def text(self):
        self._drain()
        return self.out.decode("utf-8", "replace")

    def wait_qr(self, timeout=15, after=0, theme="dark", stream="out"):
        """Decodes the newest QR in the output (from byte offset after on),
        as the phone would, with the terminal background theme. stream
        "err": pamtester writes prompts (qr = prompt) to stderr."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._drain()
            data = self.err if stream == "err" else self.out
            text = data[after:].decode("utf-8", "replace")
            q = phone.newest_qr(text, theme=theme, prefix="bankid.")
            if not q:
                q = phone.newest_qr(_complete_frames(text), theme=theme,
                                    prefix="bankid.")
            if q:
                return q
            if self.proc.poll() is not None:
                self._drain()
                break
            time.sleep(0.3)
        raise AssertionError("no QR decoded; output:\n" + self.text()[-3000:])

    def wait_text(self, needle, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.proc.poll() is not None:
                return needle in self.text()
            time.sleep(0.2)
        return False

    def answer(self, data=b"\n"):
        """Types an answer to a prompt (start() with stdin=b"" keeps it open)."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def signal(self, sig=signal.SIGINT):
        self.proc.send_signal(sig)

    def wait(self, timeout=60):
        """Waits for pamtester; returns the PAM code name."""
        # keep reading meanwhile: a full pipe would block pamtester's
        # writes (a QR frame a second fills 64 KiB in about 20 s)
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            self._drain()
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                self._drain()
                raise AssertionError("pamtester did not finish in %ss" % timeout)
            time.sleep(0.05)
        self._drain()
        return self.result()

    def result(self):
        err = self.err.decode("utf-8", "replace")
        if "successfully authenticated" in self.text():
            return "PAM_SUCCESS"
        for needle, code in _RESULTS:
            if needle in err:
                return code
        return "UNKNOWN(rc=%s): %s" % (self.proc.returncode, err[-500:])

    def run(self, user="alice", timeout=60, **kw):
        self.start(user, **kw)
        return self.wait(timeout)

    def syslog(self):
        """The module's pam_syslog lines (pam_wrapper prints them)."""
        err = self.err.decode("utf-8", "replace")
        return [m.group(1) for m in re.finditer(r"SYSLOG\(\d+\): (.*)", err)]

    def _archive(self):
        """Keeps this run's module log lines for the suite-wide check
        that no log holds a secret (logarchive), once per run."""
        if self.proc is None or getattr(self, "_archived", True):
            return
        try:
            self._drain()
        except (OSError, ValueError):
            pass
        logarchive.keep("pam", self.syslog())
        self._archived = True

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._archive()
        if self.proc:
            for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if f:
                    try:
                        f.close()
                    except OSError:
                        pass
        safedir.remove(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
