"""Harness for the end-to-end tests: real sshd, sudo, su/login and OpenVPN.

Python 3 standard library only (run with /usr/bin/python3).  Everything this
module creates on the machine (users, /etc/pam.d files, sudoers drop-ins,
sshd copies, tmux servers, daemons, a syslog catcher) is registered with
CLEANUP and removed in reverse order at test tear-down and again at exit,
even when a test fails or the run is interrupted (SIGTERM/SIGHUP from ctest's
timeout are turned into an orderly exit).
"""

import atexit
import fcntl
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("MID_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD_DIR = os.environ.get("MID_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
LIB_DIR = os.path.join(SOURCE_DIR, "tests", "lib")
RUN_ID = "%d%s" % (os.getpid() % 100000, secrets.token_hex(2))
VERBOSE = os.environ.get("MID_E2E_VERBOSE") == "1"

# A valid Swedish test personal number (Luhn over the last 10 digits checks).
PNR = "199001011239"


def log(*a):
    if VERBOSE:
        print("[e2e]", *a, file=sys.stderr, flush=True)


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


assert luhn_ok(PNR[2:]), "test personal number must pass Luhn"


# --------------------------------------------------------------------------
# cleanup registry

class _Cleanup:
    def __init__(self):
        self._items = []
        self._lock = threading.Lock()

    def push(self, fn, what=""):
        with self._lock:
            self._items.append((fn, what))
        return fn

    def run(self):
        while True:
            with self._lock:
                if not self._items:
                    return
                fn, what = self._items.pop()
            try:
                fn()
            except Exception as e:  # keep cleaning up whatever happens
                print("[e2e] cleanup of %s failed: %r" % (what, e), file=sys.stderr)


CLEANUP = _Cleanup()
atexit.register(CLEANUP.run)


def _on_term(signum, frame):
    CLEANUP.run()
    sys.exit(128 + signum)


for _s in (signal.SIGTERM, signal.SIGHUP):
    try:
        signal.signal(_s, _on_term)
    except (ValueError, OSError):
        pass


# --------------------------------------------------------------------------
# skips

def skip_unless_root():
    if os.geteuid() != 0:
        raise unittest.SkipTest("e2e tests need root (they create users and /etc/pam.d files)")


def skip_unless_programs(*progs):
    missing = [p for p in progs if not (shutil.which(p) or os.path.exists(p))]
    if missing:
        raise unittest.SkipTest("program(s) missing: %s" % ", ".join(missing))


def module_path():
    return os.path.join(BUILD_DIR, "pam_mobileid", "pam_mobileid.so")


def skip_unless_stack():
    """Skip unless the built module, the simulator helper and the phone exist."""
    mod = module_path()
    if not os.path.exists(mod):
        raise unittest.SkipTest("module not built: %s" % mod)
    for f in ("sim.py", "phone.py"):
        if not os.path.exists(os.path.join(LIB_DIR, f)):
            raise unittest.SkipTest("tests/lib/%s missing" % f)


# --------------------------------------------------------------------------
# files and temp dirs

def tmpdir(prefix="mide2e-"):
    """A fresh root-owned 0755 directory (sshd, sudo and the temp user must
    be able to traverse it) where every directory above is root's alone, as
    the module checks for its config, user map and credentials."""
    if LIB_DIR not in sys.path:
        sys.path.insert(0, LIB_DIR)
    import safedir   # noqa: E402
    d = safedir.safe_tmpdir(prefix)
    CLEANUP.push(lambda: safedir.remove(d), d)
    return d


def write_file(path, text, mode=0o644, owner=None):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".mide2e-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    if owner is not None:
        os.chown(tmp, owner, -1)
    os.rename(tmp, path)   # atomic: readers see the old or the new file, never half
    return path


def remove_file(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def run(cmd, check=True, **kw):
    log("run", cmd)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    r = subprocess.run(cmd, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (cmd, r.returncode, r.stdout))
    return r


def stop_process(proc, grace):
    """SIGTERM, then SIGKILL if it is still there after grace seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout, interval=0.1, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# PAM service files, sudoers drop-ins, users

def pam_service(name, text):
    """Create /etc/pam.d/NAME (must not exist) and register its removal.
    Rewrite it later with write_file (atomic rename)."""
    path = os.path.join("/etc/pam.d", name)
    if os.path.exists(path):
        raise RuntimeError("refusing to overwrite %s" % path)
    CLEANUP.push(lambda: remove_file(path), path)
    write_file(path, text, 0o644)
    log("pam service", name, "\n" + text)
    return path


def sudoers_dropin(text):
    """Create /etc/sudoers.d/mide2e_<id> (no dot in the name: sudo skips those)."""
    path = "/etc/sudoers.d/mide2e_%s" % RUN_ID
    d = tmpdir()
    cand = write_file(os.path.join(d, "sudoers"), text, 0o440)
    run(["visudo", "-c", "-q", "-f", cand])
    CLEANUP.push(lambda: remove_file(path), path)
    write_file(path, text, 0o440)
    return path


class TempUser:
    def __init__(self, prefix="mide2e"):
        self.name = ("%s%s" % (prefix, RUN_ID))[:31]
        self.home = os.path.join(tmpdir(), "home")
        CLEANUP.push(self.remove, "user " + self.name)
        run(["useradd", "-m", "-d", self.home, "-s", "/bin/bash", "-K", "MAIL_DIR=/nonexistent",
             self.name])
        run(["usermod", "-p", "*", self.name])   # no password, not locked
        pw = pwd.getpwnam(self.name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid

    def remove(self):
        subprocess.run(["userdel", "-f", "-r", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------
# tmux

class Tmux:
    """A private tmux server (own socket) with one session."""

    def __init__(self, cmd, width=200, height=60, env=None, name="e2e"):
        self.sock = "mide2e-%s-%s" % (RUN_ID, secrets.token_hex(2))
        self.target = name
        self.width, self.height = width, height
        CLEANUP.push(self.kill, "tmux " + self.sock)
        envargs = []
        for k, v in (env or {}).items():
            envargs += ["-e", "%s=%s" % (k, v)]
        run(["tmux", "-u", "-L", self.sock, "-f", "/dev/null", "new-session", "-d", "-x", str(width),
             "-y", str(height), "-s", name] + envargs + [cmd])
        # keep the pane after the program exits so its last words can be read
        run(["tmux", "-L", self.sock, "set-option", "-t", name, "remain-on-exit", "on"])
        run(["tmux", "-L", self.sock, "set-option", "-t", name, "history-limit", "5000"])

    def tmux(self, *args, check=True):
        return run(["tmux", "-L", self.sock] + list(args), check=check)

    def send(self, *keys, literal=False):
        args = ["send-keys", "-t", self.target]
        if literal:
            args.append("-l")
        self.tmux(*(args + list(keys)))

    def type(self, text, enter=True):
        self.send(text, literal=True)
        if enter:
            self.send("Enter")

    def capture(self, history=False, escapes=False):
        args = ["capture-pane", "-p", "-t", self.target]
        if history:
            args += ["-S", "-"]
        if escapes:
            args.append("-e")
        return self.tmux(*args).stdout

    def wait_for(self, pattern, timeout=20, history=True):
        rx = re.compile(pattern, re.M)
        last = [""]

        def seen():
            last[0] = self.capture(history=history)
            return rx.search(last[0])
        try:
            return wait_until(seen, timeout, 0.2, "pane text /%s/" % pattern)
        except AssertionError as e:
            raise AssertionError("%s; pane was:\n%s" % (e, last[0])) from None

    def dead(self):
        r = self.tmux("display-message", "-p", "-t", self.target, "#{pane_dead} #{pane_dead_status}",
                      check=False)
        parts = r.stdout.split()
        if r.returncode != 0 or not parts:
            return (True, None)
        if parts[0] == "1":
            return (True, int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None)
        return (False, None)

    def wait_exit(self, timeout=20):
        return wait_until(lambda: self.dead()[0] and self.dead(), timeout, 0.2, "pane program exit")[1]

    def socket_path(self):
        return self.tmux("display-message", "-p", "#{socket_path}").stdout.strip()

    def pane_pid(self):
        return int(self.tmux("display-message", "-p", "-t", self.target, "#{pane_pid}").stdout.strip())

    def history_size(self):
        return int(self.tmux("display-message", "-p", "-t", self.target, "#{history_size}").stdout.strip())

    def kill(self, wait=10):
        """Kill the tmux server (the pane's program gets SIGHUP) and wait
        until the pane's program is gone, then SIGKILL it if need be."""
        pid = None
        try:
            pid = self.pane_pid()
        except Exception:
            pass
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if pid:
            self.hup_survivor = False
            end = time.monotonic() + wait
            while os.path.exists("/proc/%d" % pid) and time.monotonic() < end:
                try:
                    with open("/proc/%d/stat" % pid) as f:
                        if f.read().split(") ")[1].startswith("Z"):
                            break
                except OSError:
                    break
                time.sleep(0.1)
            if os.path.exists("/proc/%d/stat" % pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.hup_survivor = True
                except ProcessLookupError:
                    pass


# --------------------------------------------------------------------------
# sshd

SSHD_BIN = "/usr/sbin/sshd"


def privsep_dir():
    """sshd's privilege separation directory (systemd makes it at boot).
    Made when missing and never removed: every sshd on the machine needs it
    for each new connection, including those of e2e runs going on at the
    same time; without it sshd drops the connection before the key exchange
    ("Missing privilege separation directory" in its log, the client says
    "kex_exchange_identification: read: Connection reset by peer").  Made
    again before every connection, in case a run with an older harness
    removed it."""
    os.makedirs("/run/sshd", 0o755, exist_ok=True)


class Sshd:
    """A copy of the Debian sshd under its own name (so its own PAM service),
    own host key and config, on a loopback ephemeral port, -D -e.
    MAIN_CONFIG, when given, is called with this Sshd (dir, port, hostkey and
    place_lines() ready) and returns the path of the config sshd is to run
    with, instead of the harness's own one."""

    count = 0

    def __init__(self, pam_text, extra_config="", auth_methods="publickey,keyboard-interactive",
                 users=(), permit_root="no", main_config=None):
        Sshd.count += 1
        self.service = "sshd-mide2e%s%s" % (RUN_ID, "" if Sshd.count == 1 else Sshd.count)
        self.dir = tmpdir("mide2e-sshd-")
        self.binary = "/usr/local/sbin/" + self.service
        CLEANUP.push(lambda: remove_file(self.binary), self.binary)
        os.makedirs("/usr/local/sbin", exist_ok=True)
        shutil.copy2(SSHD_BIN, self.binary)
        pam_service(self.service, pam_text)
        self.hostkey = os.path.join(self.dir, "ssh_host_ed25519_key")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.hostkey])
        os.makedirs(os.path.join(self.dir, "keys"))
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "sshd.log")
        cfg = self.place_lines() + [
            "UsePAM yes", "KbdInteractiveAuthentication yes",
            "PasswordAuthentication no", "PubkeyAuthentication yes",
            "AuthenticationMethods " + auth_methods, "UseDNS no",
            "PermitRootLogin " + permit_root, "MaxAuthTries 6",
            "AcceptEnv LANG LC_*", "PrintMotd no", "PrintLastLog no",
            "Subsystem sftp internal-sftp", extra_config]
        self.config = main_config(self) if main_config else \
            write_file(os.path.join(self.dir, "sshd_config"), "\n".join(cfg) + "\n", 0o600)
        privsep_dir()
        run([self.binary, "-t", "-f", self.config])
        self.logf = open(self.log_path, "w")
        # its PAM processes log to the test class's catcher, if any
        self.proc = subprocess.Popen(logged([self.binary, "-D", "-e", "-f", self.config]),
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        CLEANUP.push(self.stop, "sshd")
        wait_until(lambda: "Server listening" in self.log(), 10, what="sshd listening")
        # client key pair (used by root's ssh client in tmux)
        self.client_key = os.path.join(self.dir, "id_ed25519")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.client_key])
        for u in users:
            self.authorize(u)

    def place_lines(self):
        """The config lines that make this sshd a private one: its port,
        host key, key files and log level."""
        return ["Port %d" % self.port, "ListenAddress 127.0.0.1", "HostKey " + self.hostkey,
                "PidFile none", "AuthorizedKeysFile %s/keys/%%u" % self.dir, "StrictModes no",
                "LogLevel DEBUG1"]

    def set_pam(self, text):
        """Replace this sshd's PAM stack (read anew by every connection)."""
        write_file("/etc/pam.d/" + self.service, text, 0o644)

    def authorize(self, user):
        with open(self.client_key + ".pub") as f:
            write_file(os.path.join(self.dir, "keys", user), f.read(), 0o644)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def ssh_cmd(self, user, remote_cmd, extra=()):
        privsep_dir()
        opts = ["-F", "/dev/null", "-p", str(self.port), "-i", self.client_key,
                "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "NumberOfPasswordPrompts=1"] + list(extra)
        return ["ssh"] + opts + ["%s@127.0.0.1" % user, remote_cmd]

    def stop(self):
        stop_process(self.proc, 5)
        self.logf.close()


def shell_join(argv):
    import shlex
    return " ".join(shlex.quote(a) for a in argv)


# --------------------------------------------------------------------------
# a private mount namespace that shows our file at /etc/pam.d/<fixed name>
# (su, su-l, login and runuser have fixed service names; this leaves the
# machine's own files untouched)

def with_pam_overlay(service, pam_file, cmd):
    """Shell command that runs CMD (a string) in a new mount namespace where
    /etc/pam.d/SERVICE is PAM_FILE."""
    import shlex
    target = "/etc/pam.d/" + service
    inner = "mount --bind %s %s && exec %s" % (shlex.quote(pam_file), shlex.quote(target), cmd)
    return "unshare --mount --propagation private sh -c %s" % shlex.quote(inner)


# --------------------------------------------------------------------------
# syslog catcher: the module logs through pam_syslog, that is glibc's
# syslog(3) on the datagram socket /dev/log, a path no program can be told
# otherwise. Each run catches its own programs' lines on a socket of its
# own, which they see at /dev/log in a mount namespace of their own
# (SyslogCatcher.argv, .shell, logged()): the machine's /dev/log is only
# the mount point, so runs going on at the same time (or a syslog daemon)
# never take each other's lines.

DEVLOG = "/dev/log"
_CATCHER = []   # the catcher of the test class running now, if any


def _proc_start(pid):
    """When process pid started (clock ticks since boot); None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(") ", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class _DevlogMountPoint:
    """/dev/log stays while any run mounts its socket on it (unlinking a
    mount point detaches the mounts on it in every namespace). When there
    is none, the first run puts an empty file there and the last one
    removes it; every run says so in a file under safedir, named by its
    pid and start time, so one killed on the way counts no more."""

    def __init__(self):
        if LIB_DIR not in sys.path:
            sys.path.insert(0, LIB_DIR)
        import safedir   # noqa: E402
        self.lock_path = os.path.join(safedir.base(), "devlog.lock")
        self.dir = os.path.join(safedir.base(), "devlog.users")
        os.makedirs(self.dir, 0o700, exist_ok=True)
        self.mine = os.path.join(self.dir, "%d-%s-%s" % (
            os.getpid(), _proc_start(os.getpid()), secrets.token_hex(4)))
        self.record = os.path.join(self.dir, "placeholder")
        with self._locked():
            write_file(self.mine, "", 0o600)
            if not os.path.lexists(DEVLOG):
                fd = os.open(DEVLOG, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                             os.O_NOFOLLOW, 0o644)
                os.close(fd)
                write_file(self.record, str(os.lstat(DEVLOG).st_ino), 0o600)

    def _locked(self):
        lock = open(self.lock_path, "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    def _others(self):
        """Users still alive, other than this one."""
        alive = 0
        for name in os.listdir(self.dir):
            parts = name.split("-")
            path = os.path.join(self.dir, name)
            if len(parts) != 3 or path == self.mine:
                continue
            if _proc_start(int(parts[0])) == parts[1]:
                alive += 1
            else:
                remove_file(path)
        return alive

    def leave(self):
        with self._locked():
            remove_file(self.mine)
            if self._others():
                return
            try:
                with open(self.record) as f:
                    ino = int(f.read())
                st = os.lstat(DEVLOG)
            except (OSError, ValueError):
                return
            if st.st_ino == ino and stat.S_ISREG(st.st_mode) and st.st_size == 0:
                os.unlink(DEVLOG)
            remove_file(self.record)


class SyslogCatcher:
    """This run's own syslog: every line a program started through argv(),
    shell() or logged() sends to /dev/log, in .lines and text()."""

    MOUNT = 'mount --bind "$0" %s && exec "$@"' % DEVLOG

    def __init__(self):
        self.lines = []
        self._lock = threading.Lock()
        self.path = os.path.join(tmpdir("mide2e-syslog-"), "log")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        self.sock.setblocking(False)
        self._mount_point = _DevlogMountPoint()
        CLEANUP.push(self.close, "syslog catcher " + self.path)
        _CATCHER[:] = [self]
        # a reader keeps the socket's short queue (10 datagrams) from
        # blocking a program that logs
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()

    def argv(self, argv):
        """argv in a mount namespace of its own where /dev/log is this
        catcher's socket (exec'd: its pid is the program's)."""
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                self.MOUNT, self.path] + list(argv)

    def shell(self, cmd):
        """The same for a shell command line."""
        return "exec " + shell_join(self.argv(["sh", "-c", cmd]))

    def _loop(self):
        import select
        while True:
            with self._lock:
                if self.sock is None:
                    return
                fd = self.sock.fileno()
            try:
                select.select([fd], [], [], 0.5)
            except (OSError, ValueError):
                return
            self._drain()

    def _drain(self):
        with self._lock:
            while self.sock is not None:
                try:
                    data = self.sock.recv(65536)
                except OSError:   # BlockingIOError: nothing queued
                    return
                self.lines.append(data.decode("utf-8", "replace"))

    def text(self):
        """Every line so far, including all that a program which has
        ended sent (they wait in the socket until read here)."""
        self._drain()
        return "\n".join(self.lines)

    def close(self):
        if self.sock is None:
            return
        self._drain()
        with self._lock:
            self.sock.close()
            self.sock = None
        if _CATCHER == [self]:
            _CATCHER[:] = []
        self._mount_point.leave()
        # every line for the suite-wide check that no log holds a
        # secret (tests/lib/logarchive.py)
        if LIB_DIR not in sys.path:
            sys.path.insert(0, LIB_DIR)
        import logarchive  # noqa: E402
        logarchive.keep("e2e-syslog", self.lines)


def logged(argv):
    """argv as the running test class's syslog catcher has it run (as is
    when the class has none)."""
    return _CATCHER[0].argv(argv) if _CATCHER else argv


# --------------------------------------------------------------------------
# the module's configuration

def own_state(dirpath, extra_general=""):
    """[general] lines for this run's own state, limits off unless the
    test sets them: the tests log the same user in several times."""
    for key, value in (("state_dir", os.path.join(dirpath, "state")),
                       ("deny_hold", "0"), ("max_requests", "0/600")):
        if not re.search(r"^\s*%s\s*=" % key, extra_general, re.M):
            extra_general += "\n%s = %s" % (key, value)
    return extra_general


def write_usermap(dirpath, users):
    """DIRPATH/usermap: USERS is a dict user -> personal number."""
    return write_file(os.path.join(dirpath, "usermap"),
                      "".join("%s bankid:%s\n" % (u, p) for u, p in users.items()), 0o644)


def write_module_config(dirpath, api_url, certdir, users, qr="auto", extra_general="",
                        timeout=60, poll=1):  # noqa: E501
    """Root-owned 0600 config + usermap in DIRPATH (a 0755 dir).  USERS is a
    dict user -> personal number.  Returns the config path."""
    usermap = write_usermap(dirpath, users)
    conf = os.path.join(dirpath, "pam_mobileid.conf")
    extra_general = own_state(dirpath, extra_general)
    text = ("[general]\nusermap = %s\ntimeout = %d\nqr = %s\n%s\n"
            "[bankid]\nurl = %s\ncert = %s\npassword_file = %s\nca = %s\npoll = %d\n"
            % (usermap, timeout, qr, extra_general, api_url, os.path.join(certdir, "client.p12"),
               os.path.join(certdir, "client.pass"), os.path.join(certdir, "ca.pem"), poll))
    write_file(conf, text, 0o600)
    return conf


def secure_certdir(certdir):
    """The module refuses secrets readable by others."""
    for f in ("client.p12", "client.pass"):
        p = os.path.join(certdir, f)
        if os.path.exists(p):
            os.chown(p, 0, 0)
            os.chmod(p, 0o600)


# --------------------------------------------------------------------------
# simulator and phone (tests/lib)

def import_sim():
    if LIB_DIR not in sys.path:
        sys.path.insert(0, LIB_DIR)
    import sim   # noqa: E402
    return sim


def phone(*args, timeout=120):
    cmd = ["/usr/bin/python3", os.path.join(LIB_DIR, "phone.py")] + list(args)
    log("phone", cmd)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def phone_wait(p, timeout=120):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise AssertionError("phone.py did not finish: %s" % out)
    log("phone out", p.returncode, out)
    return p.returncode, out


def orders_of(s):
    o = s.orders()
    return o["orders"] if isinstance(o, dict) else o


def collect_times(order):
    return [r["t_ms"] for r in order.get("requests", []) if r.get("path", "").endswith("/collect")]


# --------------------------------------------------------------------------
# unittest base

class E2ECase(unittest.TestCase):
    """Tear-down runs the cleanup registry after every test class."""

    @classmethod
    def tearDownClass(cls):
        CLEANUP.run()

    def tmux(self, cmd, **kw):
        """A tmux session killed at the end of this test (so a program left
        waiting cannot talk to the simulator during the next test)."""
        t = Tmux(cmd, **kw)
        self.addCleanup(t.kill)
        return t

    def dump(self, name, text):
        """Keep evidence next to the build for failed runs."""
        d = os.path.join(BUILD_DIR, "e2e-artifacts")
        try:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        except OSError:
            pass

    def screenshot(self, name, text):
        """With MID_SCREENSHOTS=DIR (tests/demo/screenshots.sh), draw a
        captured screen (escapes kept) as DIR/NAME.png, 80 columns wide."""
        d = os.environ.get("MID_SCREENSHOTS")
        if not d:
            return
        if LIB_DIR not in sys.path:
            sys.path.insert(0, LIB_DIR)
        import termshot
        rows = text.rstrip("\n ").split("\n")
        termshot.render_screen("\n".join(rows), cols=80).save(os.path.join(d, name + ".png"))


# --------------------------------------------------------------------------
# OpenVPN 2.6 server (auth-pam plugin) and client on loopback

OVPN_PLUGIN_DIRS = ("/usr/lib/x86_64-linux-gnu/openvpn/plugins", "/usr/lib/openvpn/plugins",
                    "/usr/lib64/openvpn/plugins")


def ovpn_plugin():
    for d in OVPN_PLUGIN_DIRS:
        p = os.path.join(d, "openvpn-plugin-auth-pam.so")
        if os.path.exists(p):
            return p
    return None


def make_pki(d):
    """A throwaway CA with a server and a client certificate (EC P-256)."""
    def req(name, extra):
        run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", os.path.join(d, name + ".key"), "-subj", "/CN=mide2e-" + name] + extra)
    req("ca", ["-x509", "-days", "2", "-out", os.path.join(d, "ca.pem")])
    for name, eku in (("server", "serverAuth"), ("client", "clientAuth")):
        req(name, ["-out", os.path.join(d, name + ".csr")])
        ext = write_file(os.path.join(d, name + ".ext"),
                         "extendedKeyUsage=%s\nkeyUsage=digitalSignature,keyAgreement\n" % eku)
        run(["openssl", "x509", "-req", "-in", os.path.join(d, name + ".csr"),
             "-CA", os.path.join(d, "ca.pem"), "-CAkey", os.path.join(d, "ca.key"),
             "-CAcreateserial", "-days", "2", "-out", os.path.join(d, name + ".pem"),
             "-extfile", ext])
    for f in os.listdir(d):
        if f.endswith(".key"):
            os.chmod(os.path.join(d, f), 0o600)


class OpenVPNServer:
    """openvpn --mode server on 127.0.0.1:<free udp port> with the auth-pam
    plugin.  The tun device gets no address and no route (ifconfig-noexec,
    route-noexec): nothing but the loopback UDP socket carries traffic."""

    def __init__(self, pam_text, deferred=True, hand_window=90, plugin_args=None, verb=4):
        self.dir = tmpdir("mide2e-ovpn-")
        make_pki(self.dir)
        self.service = "ovpn-mide2e%s" % RUN_ID
        pam_service(self.service, pam_text)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.dev = "tunmide%s" % RUN_ID[:6]
        plugin = '"%s" %s' % (ovpn_plugin(), plugin_args or self.service)
        cfg = ["mode server", "tls-server", "proto udp4", "local 127.0.0.1", "port %d" % self.port,
               "dev " + self.dev, "dev-type tun", "disable-dco", "ifconfig-noexec", "route-noexec",
               "topology subnet", "ifconfig 100.64.250.1 255.255.255.0",
               "ifconfig-pool 100.64.250.10 100.64.250.20", 'push "topology subnet"',
               "ca ca.pem", "cert server.pem", "key server.key", "dh none",
               "verify-client-cert none", "username-as-common-name",
               "plugin " + plugin, "hand-window %d" % hand_window, "verb %d" % verb,
               "setenv verb %d" % verb]
        if deferred:
            cfg.append("setenv deferred_auth_pam 1")
        self.config = write_file(os.path.join(self.dir, "server.conf"), "\n".join(cfg) + "\n", 0o600)
        self.log_path = os.path.join(self.dir, "server.log")
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(["openvpn", "--cd", self.dir, "--config", self.config],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        CLEANUP.push(self.stop, "openvpn server")
        wait_until(lambda: "Initialization Sequence Completed" in self.log() or self.proc.poll() is not None,
                   15, what="openvpn server start")
        if self.proc.poll() is not None:
            raise RuntimeError("openvpn server died:\n" + self.log())

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        stop_process(self.proc, 10)
        self.logf.close()

    def client(self, user, password="unused"):
        return OpenVPNClient(self, user, password)


class OpenVPNClient:
    def __init__(self, server, user, password):
        self.dir = server.dir
        tag = secrets.token_hex(3)
        up = write_file(os.path.join(self.dir, "up-%s.txt" % tag), "%s\n%s\n" % (user, password), 0o600)
        cfg = ["client", "dev tun", "dev-type tun", "disable-dco", "ifconfig-noexec", "route-noexec",
               "proto udp4", "remote 127.0.0.1 %d" % server.port, "nobind", "ca ca.pem",
               "cert client.pem", "key client.key", "remote-cert-tls server",
               "auth-user-pass " + up, "auth-nocache", "auth-retry none", "verb 3",
               "connect-retry-max 1", "hand-window %d" % 120]
        self.config = write_file(os.path.join(self.dir, "client-%s.conf" % tag), "\n".join(cfg) + "\n")
        self.log_path = os.path.join(self.dir, "client-%s.log" % tag)
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(["openvpn", "--cd", self.dir, "--config", self.config],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        CLEANUP.push(self.stop, "openvpn client")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_result(self, timeout):
        """'up' (tunnel up), 'auth_failed', or raises on timeout."""
        def check():
            t = self.log()
            if "Initialization Sequence Completed" in t:
                return "up"
            if "AUTH_FAILED" in t:
                return "auth_failed"
            if self.proc.poll() is not None:
                return "exited"
            return None
        try:
            return wait_until(check, timeout, 0.2, "openvpn client result")
        except AssertionError as e:
            raise AssertionError("%s; client log:\n%s" % (e, self.log()[-3000:])) from None

    def stop(self):
        stop_process(self.proc, 10)
        self.logf.close()


# --------------------------------------------------------------------------
# the probe module (tests/e2e/probe/pam_e2eprobe.c): a stand-in PAM module
# that records what each host sets and exercises its conversation.

_PROBE = None


def skip_unless_openvpn():
    """Root, openvpn, its auth-pam plugin and a tun device."""
    skip_unless_root()
    skip_unless_programs("openvpn", "openssl")
    if not ovpn_plugin():
        raise unittest.SkipTest("openvpn-plugin-auth-pam.so missing")
    if not os.path.exists("/dev/net/tun"):
        raise unittest.SkipTest("/dev/net/tun missing")


def probe_module():
    global _PROBE
    if _PROBE is None or not os.path.exists(_PROBE):
        if not shutil.which("gcc"):
            raise unittest.SkipTest("gcc missing: cannot build the probe PAM module")
        d = tmpdir("mide2e-probe-")
        so = os.path.join(d, "pam_e2eprobe.so")
        # -lpam matters: OpenVPN's auth-pam plugin loads libpam privately, so a
        # module that does not itself need libpam fails there with "Module is unknown".
        run(["gcc", "-shared", "-fPIC", "-O1", "-o", so, os.path.join(HERE, "probe", "pam_e2eprobe.c"),
             "-lpam"])
        _PROBE = so
    return _PROBE


def read_probe(path):
    """Parse the probe's out file into a list of dicts, one per call."""
    calls = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("call="):
                calls.append({})
            if not calls:
                continue
            for m in re.finditer(r"(\S+?)=(.*?)(?= \S+=|$)", line):
                calls[-1][m.group(1)] = m.group(2)
    return calls


# --------------------------------------------------------------------------
# the real stack: simulator + module config (+ the phone, per test)

def credentials_dir(src):
    """A root-owned dir with the module's credentials in safe modes."""
    d = tmpdir("mide2e-conf-")
    for f, mode in (("ca.pem", 0o644), ("client.p12", 0o600), ("client.pass", 0o600)):
        shutil.copyfile(os.path.join(src, f), os.path.join(d, f))
        os.chmod(os.path.join(d, f), mode)
    return d


class Stack:
    """mobileid-sim on ephemeral ports, the module's credentials copied to a
    root-owned dir with safe modes, a config + usermap there."""

    def __init__(self, users, qr="auto", extra_general="", timeout=60, poll=1, **sim_timings):
        skip_unless_stack()
        sim = import_sim()
        if not os.path.exists(sim.sim_binary()):
            raise unittest.SkipTest("simulator not built: %s" % sim.sim_binary())
        src = sim.certs()
        self.dir = credentials_dir(src)
        self.sim = sim.Sim(src, **sim_timings)
        CLEANUP.push(self.sim.stop, "simulator")
        self.users = dict(users)
        self.conf = write_module_config(self.dir, self.sim.api_url, self.dir, self.users, qr=qr,
                                        extra_general=extra_general, timeout=timeout, poll=poll)

    def pam_line(self, args="", control="required"):
        return "auth %s %s conf=%s %s\n" % (control, module_path(), self.conf, args)

    def set_users(self, users):
        """A new user map (the module reads it at every login)."""
        self.users = dict(users)
        write_usermap(self.dir, self.users)

    def orders(self):
        return self.sim.orders()

    def wait_orders(self, n, timeout=20):
        return wait_until(lambda: len(self.orders()) >= n and self.orders(), timeout, 0.2,
                          "%d order(s) at the simulator" % n)

    def wait_final(self, timeout=30):
        """Wait until every order is final (not pending); return them."""
        def done():
            o = self.orders()
            return o if o and all(x["status"] != "pending" for x in o) else None
        return wait_until(done, timeout, 0.2, "all orders final")

    def phone_scan(self, tmux, action="approve", delay_ms=500, timeout=40, theme="dark"):
        env = dict(os.environ)
        env["TMUX"] = "%s,0,0" % tmux.socket_path()
        cmd = ["/usr/bin/python3", os.path.join(LIB_DIR, "phone.py"), "scan", "--tmux", tmux.target,
               "--control", self.sim.control_url, "--action", action, "--delay-ms", str(delay_ms),
               "--timeout", str(timeout), "--theme", theme,
               "--save", os.path.join(BUILD_DIR, "e2e-artifacts", "phone-%s.png" % tmux.sock)]
        os.makedirs(os.path.join(BUILD_DIR, "e2e-artifacts"), exist_ok=True)
        log("phone", cmd)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)

    def scan(self, tmux, action="approve", delay_ms=500, timeout=40, theme="dark", refresh=None):
        """The virtual phone scans the pane, a camera in focus (phone.py's
        blur 1): a QR that only decodes out of focus is a failure.  Returns
        (ok, how).  phone.py first; in prompt mode a static frame goes stale
        at the simulator, so then the pane is refreshed (Enter) and scanned
        again until the timeout."""
        p = self.phone_scan(tmux, action, delay_ms, timeout=min(timeout, 4), theme=theme)
        rc, out = phone_wait(p, timeout + 10)
        if rc == 0:
            return True, "phone.py"
        if LIB_DIR not in sys.path:
            sys.path.insert(0, LIB_DIR)
        import phone as phonelib   # noqa: E402
        end = time.monotonic() + timeout
        last = out
        while time.monotonic() < end:
            if refresh:
                refresh()       # prompt mode: a static frame goes stale; Enter renews it
            text = tmux.capture(escapes=True)
            img = phonelib.render_screen(text, theme)
            for payload in phonelib.decode(img):
                if payload.startswith("bankid."):
                    st, reply = self.sim.scan(payload, action=action, delay_ms=delay_ms)
                    if st == 200:
                        return True, "phone.py after a refresh"
                    last = "scan -> %s %r" % (st, reply)
            time.sleep(0.5)
        return False, last

    def phone_open(self, pno, action="approve", delay_ms=500, timeout=40):
        cmd = ["/usr/bin/python3", os.path.join(LIB_DIR, "phone.py"), "open", "--control",
               self.sim.control_url, "--pno", pno, "--action", action, "--delay-ms", str(delay_ms),
               "--timeout", str(timeout)]
        log("phone", cmd)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def collect_gaps(order):
    t = collect_times(order)
    return [b - a for a, b in zip(t, t[1:])]


QR_CHARS = set("\u2588\u2580\u2584#")


def qr_blocks(text, min_rows=10):
    """Count the QR-looking blocks in captured text: runs of >= MIN_ROWS
    consecutive lines that are mostly QR glyphs (text beside them aside)."""
    if LIB_DIR not in sys.path:
        sys.path.insert(0, LIB_DIR)
    import phone as phonelib   # noqa: E402
    n = run_len = 0
    for line in text.split("\n"):
        s = phonelib.qr_part(line).strip()
        is_qr = len(s) >= 20 and sum(c in QR_CHARS for c in s) >= len(s) * 0.3 and \
            set(s) <= QR_CHARS | {" "}
        if is_qr:
            run_len += 1
        else:
            if run_len >= min_rows:
                n += 1
            run_len = 0
    if run_len >= min_rows:
        n += 1
    return n


class PbmStack:
    """passbyme-sim on ephemeral ports and a module config whose USERS (a
    dict user -> PassBy[ME] ID) are PassBy[ME] users; the phone is the
    simulator's control port (PbmSim.user / .phone)."""

    def __init__(self, users, qr="auto", timeout=60, availability=60, **sim_timings):
        skip_unless_stack()
        sim = import_sim()
        import pbmsim   # noqa: E402
        if not os.path.exists(sim.sim_binary(pbmsim.PbmSim.BINARY)):
            raise unittest.SkipTest("simulator not built")
        src = sim.certs()
        self.dir = credentials_dir(src)
        self.sim = pbmsim.PbmSim(src, **sim_timings)
        CLEANUP.push(self.sim.stop, "PassBy[ME] simulator")
        usermap = os.path.join(self.dir, "usermap")
        write_file(usermap, "".join("%s passbyme:%s\n" % kv for kv in users.items()), 0o644)
        sec = self.sim.section(cert=os.path.join(self.dir, "client.p12"),
                               password_file=os.path.join(self.dir, "client.pass"),
                               ca=os.path.join(self.dir, "ca.pem"), availability=availability)
        self.conf = os.path.join(self.dir, "pam_mobileid.conf")
        write_file(self.conf, "[general]\nusermap = %s\ntimeout = %d\nqr = %s%s\n[passbyme]\n%s"
                   % (usermap, timeout, qr, own_state(self.dir),
                      "".join("%s = %s\n" % kv for kv in sec.items())), 0o600)

    def pam_line(self, args="", control="required"):
        return "auth %s %s conf=%s %s\n" % (control, module_path(), self.conf, args)

    def wait_messages(self, n, timeout=20):
        return wait_until(lambda: len(self.sim.messages()) >= n and self.sim.messages(),
                          timeout, 0.2, "%d message(s) at the simulator" % n)
