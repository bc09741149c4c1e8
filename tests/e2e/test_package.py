"""The Debian package: dpkg-buildpackage builds libpam-mobileid from a copy
of the source tree, lintian finds nothing to report, the package installs,
a login runs through the INSTALLED module (real libpam, a service file in
/etc/pam.d naming the module by its bare name) against mobileid-sim, and a
purge leaves nothing behind.

Needs root, dpkg-buildpackage, debhelper and lintian (tests/deps.sh installs
them); skips when the machine already has the package or an unpackaged
install of pam_mobileid (a purge would take the admin's files).
"""
import fcntl
import glob
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import sim  # noqa: E402
from pamrun import PNR, PamLogin  # noqa: E402
from safedir import safe_tmpdir  # noqa: E402

PKG = "libpam-mobileid"
CONF = "/etc/security/pam_mobileid.conf"
DATA = "/usr/share/pam_mobileid"
PROFILE = "/usr/share/pam-configs/mobileid"
APT = ["apt-get", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300"]
# one run at a time on a machine: the package is the machine's
LOCK = "/run/lock/mid-e2e-package.lock"
LOCK_WAIT_S = 150
# what installing or purging must leave as it was
PAM_STATE = sorted(glob.glob("/etc/pam.d/common-*")) + ["/var/lib/pam/seen"]


def run(cmd, **kw):
    kw.setdefault("env", dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def module_dir():
    out = run(["pkg-config", "--variable=libdir", "pam"]).stdout.strip()
    return (out or "/lib/x86_64-linux-gnu") + "/security"


def installed(pkg):
    out = run(["dpkg-query", "-W", "-f=${Status}", pkg]).stdout
    return out.endswith(" installed")


def take_lock():
    """The machine-wide lock of this test, or None after LOCK_WAIT_S."""
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(1)


def why_not():
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("dpkg-buildpackage", "dh", "lintian", "pamtester"):
        if not shutil.which(tool):
            return "needs %s (tests/deps.sh installs it)" % tool
    if installed(PKG):
        return "%s is installed on this machine; not touching it" % PKG
    for f in (CONF, module_dir() + "/pam_mobileid.so", "/usr/bin/mobileid"):
        if os.path.exists(f):
            return "%s exists (an unpackaged install); not touching it" % f
    return None


def source_files(top):
    """The tree as a clone would have it: tracked and new files, not the
    build directories or anything .gitignore names."""
    r = run(["git", "-C", top, "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"])
    if r.returncode != 0:
        raise unittest.SkipTest("the source tree is not a git checkout")
    return [f for f in r.stdout.split("\0") if f and os.path.isfile(
        os.path.join(top, f))]


def snapshot():
    state = {}
    for f in PAM_STATE:
        with open(f, "rb") as fh:
            state[f] = fh.read()
    state["debconf"] = sorted(
        run(["debconf-show", "libpam-runtime"]).stdout.splitlines())
    return state


class PackageTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root")
        cls.lock = take_lock()
        if cls.lock is None:
            raise unittest.SkipTest("another run of this test held %s for %d s"
                                    % (LOCK, LOCK_WAIT_S))
        reason = why_not()
        if reason:
            os.close(cls.lock)
            raise unittest.SkipTest(reason)
        cls.tmp = tempfile.mkdtemp(prefix="mid-pkg.")
        src = os.path.join(cls.tmp, "src")
        top = sim.source_dir()
        for f in source_files(top):
            os.makedirs(os.path.dirname(os.path.join(src, f)), exist_ok=True)
            shutil.copy2(os.path.join(top, f), os.path.join(src, f))
        env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=2")
        r = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env)
        if r.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            os.close(cls.lock)
            raise AssertionError("dpkg-buildpackage failed:\n" +
                                 (r.stdout + r.stderr)[-4000:])
        cls.deb = glob.glob(os.path.join(cls.tmp, PKG + "_*.deb"))[0]
        cls.changes = glob.glob(os.path.join(cls.tmp, "*.changes"))[0]

    @classmethod
    def tearDownClass(cls):
        if installed(PKG):
            run(APT + ["purge", PKG])
        shutil.rmtree(cls.tmp, ignore_errors=True)
        os.close(cls.lock)

    def test_lintian_reports_no_error_and_no_warning(self):
        r = run(["lintian", "--allow-root", "--fail-on", "error,warning",
                 "--pedantic", self.changes])
        tags = [ln for ln in r.stdout.splitlines() if ln[:2] in ("E:", "W:")]
        self.assertEqual(tags, [], r.stdout + r.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_installed_package_logs_in_and_purges_without_a_trace(self):
        before = snapshot()
        r = run(APT + ["install", self.deb])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        files = run(["dpkg", "-L", PKG]).stdout.split()
        self.check_installed(files)
        files = [f for f in files if not os.path.isdir(f)]
        # installing enables nothing: Default: no
        self.assertEqual(snapshot()["debconf"], before["debconf"])
        for f in PAM_STATE[:-1]:
            with open(f, "rb") as fh:
                self.assertEqual(fh.read(), before[f], f)
        self.check_profile_when_enabled()
        self.check_tool()
        self.check_login()

        r = run(APT + ["purge", PKG])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(installed(PKG))
        left = [f for f in files if os.path.lexists(f)]
        self.assertEqual(left, [])
        self.assertEqual(glob.glob("/var/lib/dpkg/info/%s.*" % PKG), [])
        self.assertEqual(glob.glob("/etc/security/pam_mobileid*"), [])
        self.assertFalse(os.path.exists(DATA))
        # the module's run-time files (/run/pam_mobileid is shared with the
        # other tests' logins, which may be running: not asserted)
        self.assertFalse(os.path.exists("/var/lib/pam_mobileid"))
        self.assertEqual(snapshot(), before)

    def check_installed(self, files):
        for f in (CONF, module_dir() + "/pam_mobileid.so", "/usr/bin/mobileid",
                  PROFILE, DATA + "/bankid-root.pem",
                  DATA + "/bankid-test-root.pem",
                  DATA + "/FPTestcert5_20240610.p12",
                  DATA + "/pam_mobileid.bankid-test.conf",
                  "/usr/share/man/man1/mobileid.1.gz",
                  "/usr/share/man/man5/pam_mobileid.conf.5.gz",
                  "/usr/share/man/man8/pam_mobileid.8.gz"):
            self.assertIn(f, files)
        st = os.stat(CONF)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o600))
        st = os.stat(DATA + "/FPTestcert5_20240610.p12")
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o600))
        conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", PKG]).stdout
        self.assertIn(CONF + " ", conffiles)
        with open(PROFILE) as f:
            self.assertIn("Default: no\n", f.read())
        with open("/var/lib/pam/seen") as f:
            self.assertIn("mobileid", f.read().split())
        for page in ("mobileid", "pam_mobileid.conf", "pam_mobileid"):
            self.assertEqual(run(["man", "-w", page]).returncode, 0, page)

    def check_profile_when_enabled(self):
        """pam-auth-update --enable in a copy of the PAM state (its own
        root and debconf database): the module comes after the password."""
        root = os.path.join(self.tmp, "root")
        os.makedirs(root + "/etc/pam.d")
        os.makedirs(root + "/usr/share")
        for f in PAM_STATE[:-1]:
            shutil.copy(f, root + "/etc/pam.d/")
        shutil.copytree("/var/lib/pam", root + "/var/lib/pam")
        shutil.copytree("/usr/share/pam-configs", root + "/usr/share/pam-configs")
        shutil.copy("/var/cache/debconf/config.dat", root + "/config.dat")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive",
                   DEBCONF_DB_REPLACE="File{%s/config.dat}" % root)
        r = run(["pam-auth-update", "--root", root, "--enable", "mobileid"],
                env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(root + "/etc/pam.d/common-auth") as f:
            lines = [ln.split() for ln in f if ln.startswith("auth")]
        mods = [next(t for t in ln if t.endswith(".so")) for ln in lines]
        self.assertIn(["auth", "required", "pam_mobileid.so"], lines)
        self.assertGreater(mods.index("pam_mobileid.so"),
                           mods.index("pam_permit.so"), lines)

    def check_tool(self):
        r = run(["mobileid", "--version"])
        self.assertEqual((r.returncode, r.stdout.split()[0]), (0, "mobileid"))
        # the shipped test-environment config with the shipped certificate
        # files the module trusts live where every directory above is root's
        d = safe_tmpdir("mid-pkg.")
        self.addCleanup(shutil.rmtree, d, True)
        conf = os.path.join(d, "test.conf")
        usermap = os.path.join(d, "usermap")
        with open(usermap, "w") as f:
            f.write("alice bankid:%s\n" % PNR)
        with open(DATA + "/pam_mobileid.bankid-test.conf") as f:
            text = f.read().replace("/etc/security/pam_mobileid.usermap",
                                    usermap)
        with open(os.open(conf, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(text)
        r = run(["mobileid", "check", "-c", conf])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("[bankid] client certificate valid for", r.stdout)

    def check_login(self):
        service = "mid-pkg-" + secrets.token_hex(3)
        with sim.Sim() as s, InstalledLogin(s, service) as lg:
            lg.start("alice")
            self.assertEqual(s.scan(lg.wait_qr(), "approve", 300)[0], 200)
            self.assertEqual(lg.wait(60), "PAM_SUCCESS", lg.text()[-2000:]
                             + lg.err.decode("utf-8", "replace")[-2000:])
            orders = s.orders()
            self.assertEqual(len(orders), 1, orders)
            self.assertEqual(orders[0]["status"], "complete")
            self.assertEqual(orders[0]["completedAs"], PNR)


class InstalledLogin(PamLogin):
    """pamtester through the real libpam and /etc/pam.d/<service>, which
    names the module as an admin would: pam_mobileid.so, from the module
    directory, where only the package put it."""

    def __init__(self, s, service):
        super().__init__(s)
        self.service = service
        self.pam_file = "/etc/pam.d/" + service
        with open(self.pam_file, "w") as f:
            f.write("auth required pam_mobileid.so conf=%s\n"
                    "account required pam_permit.so\n" % self.conf)

    def env(self, extra=None):
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        env.update(extra or {})
        return env

    def close(self):
        super().close()
        if os.path.exists(self.pam_file):
            os.unlink(self.pam_file)


if __name__ == "__main__":
    unittest.main()
