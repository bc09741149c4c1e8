"""The README's admin steps, run as written. Each code block the README
marks with `<!-- test: NAME -->` on the line above its fence is taken
from the README at run time and run here: the build and install (into a
DESTDIR, from a copy of the tree), the uninstall through the install
manifest, the try-out against the simulator (certificates, config, `mobileid
check --probe`, a login approved by the virtual phone), the sshd drop-in
under `sshd -t`, and the sudoers lines under `visudo -cf`. A marked block
that is gone, or a command of one that fails, fails the test.

Nothing here touches the machine's own files: the try-out runs in a
private mount namespace with a temp dir over /root, tmux on a private
socket; sshd and visudo check copies."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("MID_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.environ.get("MID_BUILD_DIR") or os.path.join(SRC, "build")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from safedir import safe_tmpdir  # noqa: E402

# every block the README marks, and the only ones
BLOCKS = ("build", "uninstall", "try-sim", "try-sim-conf", "try-sim-check",
          "try-sim-login", "rp-p12", "rp-pem", "sshd-dropin", "sudo-recommended",
          "sudoers-service")
MARKED = re.compile(r"^([ \t]*)<!-- test: ([a-z0-9-]+) -->\n[ \t]*```[a-z]*\n"
                    r"(.*?)\n[ \t]*```[ \t]*$", re.M | re.S)
# a root admin's PATH, with the built tool as `mobileid`
PATH = os.path.join(BUILD, "pam_mobileid") + ":/usr/local/sbin:/usr/local/bin:" \
    "/usr/sbin:/usr/bin:/sbin:/bin"


def readme_blocks():
    """{name: text} of the marked blocks, indentation removed."""
    with open(os.path.join(SRC, "README.md")) as f:
        text = f.read()
    out = {}
    for m in MARKED.finditer(text):
        if m.group(2) in out:
            raise AssertionError("README marks two blocks %r" % m.group(2))
        out[m.group(2)] = textwrap.dedent(m.group(3)) + "\n"
    return out


def commands(block):
    """The block's commands, one a line, continuation lines joined."""
    return [c for c in block.replace("\\\n", " ").split("\n") if c.strip()
            and not c.lstrip().startswith("#")]


tmp = safe_tmpdir


class ReadmeCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the README's steps are run as root")
        cls.blocks = readme_blocks()

    def block(self, name):
        self.assertIn(name, self.blocks, "README.md lost its block "
                      "'<!-- test: %s -->'" % name)
        return self.blocks[name]

    def sh(self, command, cwd, env=None, ok=(0,), timeout=600):
        """One command as written, by bash; returns its output."""
        p = subprocess.run(["bash", "-c", command], cwd=cwd, timeout=timeout,
                           env=env or dict(os.environ, PATH=PATH),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.assertIn(p.returncode, ok, "README command failed (%d): %s\n%s"
                      % (p.returncode, command, p.stdout[-3000:]))
        return p.stdout


    def in_namespace(self, script, cwd, mounts, env, ok=(0,), stdin=""):
        """script as written, by bash -e, in a private mount namespace
        after each of mounts (the arguments of a mount command) over the
        machine's own; its output goes to a file (a background job keeps
        no pipe open)."""
        pre = "".join("mount %s && " % " ".join(shlex.quote(a) for a in m)
                      for m in mounts)
        wrapper = "%scd %s && exec bash -e -c %s" % (
            pre, shlex.quote(cwd), shlex.quote(script))
        out = os.path.join(tmp("mid-readme-out."), "out")
        self.addCleanup(shutil.rmtree, os.path.dirname(out), True)
        with open(out, "w") as f:
            p = subprocess.run(["unshare", "--mount", "--propagation", "private",
                                "sh", "-c", wrapper], env=env, timeout=900,
                               input=stdin, stdout=f, stderr=subprocess.STDOUT,
                               text=True)
        with open(out) as f:
            text = f.read()
        self.assertIn(p.returncode, ok, "README command failed (%d):\n%s\n%s"
                      % (p.returncode, script, text[-3000:]))
        return text


def can_mount(*mount_args):
    """Whether this machine lets us make a mount namespace and mount this
    in it (a container may not): else the class that needs it skips."""
    d = tmp("mid-readme-ns.")
    try:
        for sub in ("a", "upper", "work"):
            os.mkdir(os.path.join(d, sub))
        args = [a.replace("@D", d) for a in mount_args]
        return subprocess.run(["unshare", "--mount", "--propagation", "private",
                               "mount"] + args, capture_output=True).returncode == 0
    finally:
        shutil.rmtree(d, True)


class MarkedBlocksTest(ReadmeCase):

    def test_the_readme_marks_exactly_the_blocks_run_here(self):
        self.assertEqual(sorted(self.blocks), sorted(BLOCKS))


class BuildInstallUninstallTest(ReadmeCase):
    """From a copy of the tree: the dependencies named are the installed
    ones; the build, `cmake --install` and the uninstall run as written in a
    mount namespace whose /usr/local, /etc/security and PAM module
    directory are empty temp dirs; what the README says is installed is, and
    the manifest removes all of it."""

    def setUp(self):
        if not can_mount("--bind", "@D/a", "/usr/local"):
            self.skipTest("no mount namespace here")
        self.d = tmp("mid-readme.")
        self.addCleanup(shutil.rmtree, self.d, True)
        self.src = os.path.join(self.d, "src")
        shutil.copytree(SRC, self.src, symlinks=True, ignore=shutil.ignore_patterns(
            "build*", ".git", "__pycache__"))
        # the build cache decides what the README's plain `cmake -S . -B
        # build` builds: here the module and the tool, not the tests
        self.sh("cmake -S . -B build -DMID_TESTS=OFF >/dev/null", self.src)
        self.pam_dir = subprocess.run(["pkg-config", "--variable=libdir", "pam"],
                                      capture_output=True, text=True).stdout.strip() \
            + "/security"
        self.binds = []
        for where in ("/usr/local", "/etc/security", self.pam_dir):
            over = os.path.join(self.d, where.strip("/").replace("/", "-"))
            os.mkdir(over)
            self.binds.append((over, where))
        self.env = dict(os.environ, PATH=PATH, CMAKE_BUILD_PARALLEL_LEVEL="2")

    def assert_packages_installed(self, command):
        """An apt-get line names installed packages (no download here)."""
        words = shlex.split(command, comments=True)
        names = [w for w in words[2:] if not w.startswith("-")]
        self.assertTrue(names, command)
        for n in names:
            p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", n],
                               capture_output=True, text=True)
            self.assertEqual(p.stdout, "install ok installed",
                             "README's apt-get names %s, which is not installed" % n)

    def installed(self):
        """Every file below the temp dirs, as the machine would name it."""
        out = []
        for over, where in self.binds:
            for root, _, files in os.walk(over):
                out += [where + os.path.join(root, f)[len(over):] for f in files]
        return sorted(out)

    def run_block(self, name):
        for c in commands(self.block(name)):
            if c.startswith("apt-get install"):
                self.assert_packages_installed(c)
            else:
                # grep finds or not (exit 0 or 1): the machine's own
                # files are not ours to judge here
                self.in_namespace(c, self.src, [("--bind",) + b for b in self.binds],
                                  self.env,
                                  ok=(0, 1) if c.startswith("grep") else (0,))

    def test_build_install_and_uninstall_as_written(self):
        self.run_block("build")
        files = self.installed()
        for want in (self.pam_dir + "/pam_mobileid.so", "/usr/local/bin/mobileid",
                     "/etc/security/pam_mobileid.conf",
                     "/usr/local/share/man/man1/mobileid.1",
                     "/usr/local/share/pam_mobileid/bankid-root.pem"):
            self.assertIn(want, files)
        with open(os.path.join(self.src, "build", "install_manifest.txt")) as f:
            self.assertEqual(sorted(f.read().split()), files)
        conf = dict((b, a) for a, b in self.binds)["/etc/security"]
        self.assertEqual(os.stat(conf + "/pam_mobileid.conf").st_mode & 0o777, 0o600)
        self.run_block("uninstall")
        self.assertEqual(self.installed(), [])


class TryTheSimulatorTest(ReadmeCase):
    """"Try a setup against the simulator", in a private mount namespace
    whose /root is a temp dir, from a directory that looks like the source
    tree with its build (tests/ and build/tests/sim are the real ones)."""

    def setUp(self):
        sim = os.path.join(BUILD, "tests", "sim", "mobileid-sim")
        if not os.path.exists(sim) or not shutil.which("tmux"):
            self.skipTest("simulator not built, or tmux missing")
        if not can_mount("--bind", "@D/a", "/root"):
            self.skipTest("no mount namespace here")
        self.root = tmp("mid-readme-root.")
        self.tree = tmp("mid-readme-tree.")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.addCleanup(shutil.rmtree, self.tree, True)
        os.symlink(os.path.join(SRC, "tests"), os.path.join(self.tree, "tests"))
        os.makedirs(os.path.join(self.tree, "build", "tests"))
        os.symlink(os.path.dirname(sim), os.path.join(self.tree, "build", "tests", "sim"))
        self.try_dir = os.path.join(self.root, "try")
        self.env = dict(os.environ, PATH=PATH, LANG="C.UTF-8", LC_ALL="C.UTF-8",
                        TMUX_TMPDIR=tmp("mid-readme-tmux."))
        self.addCleanup(shutil.rmtree, self.env["TMUX_TMPDIR"], True)
        self.addCleanup(self.stop)

    def stop(self):
        subprocess.run(["tmux", "kill-server"], env=self.env,
                       capture_output=True)
        try:
            with open(os.path.join(self.try_dir, "test-sim.pid")) as f:
                os.kill(int(f.read()), 15)
        except (OSError, ValueError):
            pass

    def run_here(self, script):
        return self.in_namespace(script, self.tree, [("--bind", self.root, "/root")],
                                 self.env)

    def test_the_try_out_runs_as_written(self):
        # the block, then the background simulator's pid, to stop it
        self.run_here(self.block("try-sim") + 'echo $! > /root/try/test-sim.pid\n')
        with open(os.path.join(self.try_dir, "ports.json")) as f:
            ports = json.load(f)
        conf = self.block("try-sim-conf").replace(
            "API", str(ports["api"])).replace("/full/path/", self.tree + "/")
        with open(os.path.join(self.try_dir, "sim.conf"), "w") as f:
            f.write(conf)
        out = self.run_here(self.block("try-sim-check"))
        self.assertIn("[bankid] probe: TLS verified, client certificate accepted", out)
        self.assertTrue(out.rstrip().endswith("/root/try/sim.conf: ok"), out)
        login = self.block("try-sim-login").replace("CONTROL", str(ports["control"]))
        self.run_here(login)
        self.assertIn("Approved", self.pane_when("Approved"))
        self.assert_one_completed_order(ports["control"])

    def pane_when(self, needle, timeout=30):
        """The tmux pane's text once it shows needle (or at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            p = subprocess.run(["tmux", "capture-pane", "-p", "-t", "try"],
                               env=self.env, capture_output=True, text=True)
            if needle in p.stdout or time.monotonic() > deadline:
                return p.stdout
            time.sleep(0.3)

    def assert_one_completed_order(self, control):
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/orders" % control,
                                    timeout=10) as r:
            orders = json.load(r)["orders"]
        self.assertEqual([o["status"] for o in orders], ["complete"], orders)


class ProductionCertificateTest(ReadmeCase):
    """The RP certificate steps with the tests' client certificate as the
    bank's rp.p12, in a namespace whose /etc is an overlay (writes go to a
    temp dir): the files get the modes the module demands, and `mobileid
    check --probe` against the simulator accepts them, PKCS#12 and PEM."""

    def setUp(self):
        import sim
        if not can_mount("-t", "overlay", "overlay", "-o",
                         "lowerdir=/etc,upperdir=@D/upper,workdir=@D/work", "/etc"):
            self.skipTest("no overlay mount in a namespace here")
        self.d = tmp("mid-readme-rp.")
        self.addCleanup(shutil.rmtree, self.d, True)
        for sub in ("upper", "work", "cwd"):
            os.mkdir(os.path.join(self.d, sub))
        self.sim = sim.Sim(sim.certs())
        self.addCleanup(self.sim.stop)
        shutil.copy(os.path.join(self.sim.certdir, "client.p12"),
                    os.path.join(self.d, "cwd", "rp.p12"))
        self.mounts = [("-t", "overlay", "overlay", "-o",
                        "lowerdir=/etc,upperdir=%s/upper,workdir=%s/work"
                        % (self.d, self.d), "/etc")]
        self.env = dict(os.environ, PATH=PATH)

    def run_block(self, name, stdin=""):
        return self.in_namespace(self.block(name), os.path.join(self.d, "cwd"),
                                 self.mounts, self.env, stdin=stdin)

    def probe(self, **tls):
        """mobileid check --probe with the placed files, against the sim."""
        conf = os.path.join(self.d, "sim.conf")
        with open(os.path.join(self.d, "usermap"), "w") as f:
            f.write("alice bankid:199001011239\n")
        with open(conf, "w") as f:
            f.write("[general]\nusermap = %s/usermap\n[bankid]\nurl = %s\nca = %s\n"
                    % (self.d, self.sim.api_url, os.path.join(self.sim.certdir, "ca.pem"))
                    + "".join("%s = %s\n" % kv for kv in tls.items()))
        os.chmod(conf, 0o600)
        out = self.in_namespace("mobileid check --probe -c " + conf, self.d,
                                self.mounts, self.env)
        self.assertIn("[bankid] probe: TLS verified, client certificate accepted", out)
        self.assertTrue(out.rstrip().endswith(conf + ": ok"), out)

    def mode(self, name):
        return os.stat(os.path.join(self.d, "upper", "pam_mobileid", name)).st_mode & 0o7777

    def test_the_bank_file_placed_as_written_is_accepted_as_pkcs12_and_pem(self):
        self.run_block("rp-p12", stdin="qwerty123\n")
        with open(os.path.join(self.d, "upper", "pam_mobileid", "bankid.pass")) as f:
            self.assertEqual(f.read(), "qwerty123\n")
        for name in ("bankid.p12", "bankid.pass"):
            self.assertEqual(self.mode(name), 0o600, name)
        self.assertEqual(os.stat(os.path.join(self.d, "upper", "pam_mobileid"))
                         .st_mode & 0o7777, 0o700)
        self.probe(cert="/etc/pam_mobileid/bankid.p12",
                   password_file="/etc/pam_mobileid/bankid.pass")
        self.run_block("rp-pem")
        self.assertEqual(self.mode("bankid.key"), 0o600)
        self.probe(cert="/etc/pam_mobileid/bankid.pem",
                   key="/etc/pam_mobileid/bankid.key")
        self.assertEqual([r["path"] for r in self.sim.requests()],
                         ["/rp/v6.0/", "/rp/v6.0/"])


class SshdAndSudoersTest(ReadmeCase):
    """The sshd drop-in passes `sshd -t` included first from a copy of the
    machine's sshd_config, as Debian's Include line does, and its values
    win; the sudoers lines pass `visudo -cf`."""

    def setUp(self):
        self.d = tmp("mid-readme-etc.")
        self.addCleanup(shutil.rmtree, self.d, True)

    def test_the_sshd_drop_in_passes_sshd_t_and_wins(self):
        main = "/etc/ssh/sshd_config"
        if not os.path.exists("/usr/sbin/sshd") or not os.path.exists(main):
            self.skipTest("openssh-server missing")
        dropins = os.path.join(self.d, "sshd_config.d")
        os.mkdir(dropins)
        with open(os.path.join(dropins, "pam_mobileid.conf"), "w") as f:
            f.write(self.block("sshd-dropin"))
        with open(main) as f:
            text = f.read()
        self.assertIn("Include /etc/ssh/sshd_config.d/*.conf", text)
        with open(os.path.join(self.d, "sshd_config"), "w") as f:
            f.write(text.replace("/etc/ssh/sshd_config.d/", dropins + "/"))
        key = os.path.join(self.d, "host_key")
        self.sh("ssh-keygen -q -t ed25519 -N '' -f %s" % key, self.d)
        files = "-f %s/sshd_config -h %s" % (self.d, key)
        self.assertEqual(self.sh("sshd -t " + files, self.d), "")
        eff = self.sh("sshd -T " + files, self.d)
        self.assertIn("authenticationmethods publickey,keyboard-interactive\n", eff)
        self.assertIn("kbdinteractiveauthentication yes\n", eff)
        self.assertIn("usepam yes\n", eff)

    def visudo(self, text):
        path = os.path.join(self.d, "mobileid")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o440)
        out = self.sh("visudo -cf %s" % path, self.d)
        self.assertIn("parsed OK", out)

    def test_the_sudoers_lines_pass_visudo(self):
        if not shutil.which("visudo", path=PATH):
            self.skipTest("sudo missing")
        self.visudo(self.block("sudoers-service"))
        # the recommended stack's block holds a PAM line and a sudoers line
        lines = [l for l in self.block("sudo-recommended").split("\n")
                 if l.startswith("Defaults")]
        self.assertEqual(len(lines), 1, lines)
        self.visudo(lines[0] + "\n")


if __name__ == "__main__":
    unittest.main()
