"""README "SSH: second factor", the rollout: the sshd drop-in exactly as the
README writes it, under a private copy of Debian 12's main sshd_config
(its Include first, then KbdInteractiveAuthentication no), never the
machine's /etc/ssh.  Appended to the main config instead, the same lines
fail `sshd -t`; as a drop-in `sshd -t` is silent, and users and root log
in through it."""

import os
import re
import unittest

import e2elib as L
from sshcase import SshCase, stack_text

# Debian 12's /etc/ssh/sshd_config without its comments; PLACE: the lines
# that make the test's sshd a private one (port, host key, key files)
DEBIAN_MAIN = """Include {dropins}/*.conf
{place}
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem\tsftp\t/usr/lib/openssh/sftp-server
"""


def readme_dropin():
    """(file name, text) of the drop-in in README step 'Write
    `/etc/ssh/sshd_config.d/NAME`:' and the fenced block after it."""
    with open(os.path.join(L.SOURCE_DIR, "README.md")) as f:
        readme = f.read()
    m = re.search(r"Write `/etc/ssh/sshd_config\.d/([^`/]+)`:\s*\n(?:\s*<!--.*?-->\n)?\s*```\n"
                  r"(.*?)\n\s*```", readme, re.S)
    if not m:
        raise AssertionError("README has no sshd drop-in step ('Write `/etc/ssh/sshd_config.d/…`:')")
    lines = m.group(2).split("\n")
    indent = min(len(ln) - len(ln.lstrip()) for ln in lines if ln.strip())
    return m.group(1), "\n".join(ln[indent:] for ln in lines) + "\n"


def main_config(dropin_dir, appended="", name="sshd_config"):
    """A function for L.Sshd(main_config=…): the Debian-like main config
    as NAME in the sshd's dir, with APPENDED at its end."""
    def write(sshd):
        text = DEBIAN_MAIN.format(dropins=dropin_dir, place="\n".join(sshd.place_lines()))
        return L.write_file(os.path.join(sshd.dir, name), text + appended, 0o600)
    return write


class SshRolloutE2E(SshCase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_root()
        L.skip_unless_programs("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux")
        cls.user = L.TempUser("mide2ed")
        cls.stack = L.Stack({cls.user.name: L.PNR}, qr="auto", timeout=60)
        cls.name, cls.dropin = readme_dropin()
        dropins = os.path.join(L.tmpdir("mide2e-sshd-conf-"), "sshd_config.d")
        os.makedirs(dropins)
        L.write_file(os.path.join(dropins, cls.name), cls.dropin)
        # sshd -t must pass for the sshd to start at all (e2elib.Sshd)
        cls.sshd = L.Sshd(stack_text(cls.stack, 1), users=[cls.user.name, "root"],
                          main_config=main_config(dropins))

    def setUp(self):
        super().setUp()
        self.sshd.set_pam(stack_text(self.stack, 1))

    def sshd_t(self, config, *args):
        return L.run([self.sshd.binary, "-f", config] + list(args), check=False)

    def test_the_drop_in_passes_sshd_t_silently(self):
        r = self.sshd_t(self.sshd.config, "-t")
        self.assertEqual((r.returncode, r.stdout), (0, ""))
        effective = self.sshd_t(self.sshd.config, "-T").stdout
        for line in ("usepam yes", "kbdinteractiveauthentication yes",
                     "authenticationmethods publickey,keyboard-interactive", "permitrootlogin yes"):
            self.assertIn("\n" + line + "\n", effective)

    def test_the_same_lines_appended_to_the_main_config_fail_sshd_t(self):
        empty = os.path.join(L.tmpdir("mide2e-sshd-conf-"), "sshd_config.d")
        os.makedirs(empty)
        r = self.sshd_t(main_config(empty, self.dropin, "sshd_config.appended")(self.sshd), "-t")
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"Disabled method \"?keyboard-interactive")

    def test_a_mapped_user_logs_in_through_the_drop_in(self):
        t = self.ssh(self.user.name)
        order = self.phone(t, self.user.name)
        self.logged_in(t, self.user.name)
        self.assertEqual(order["status"], "complete")

    def test_unmapped_root_logs_in_with_the_key_in_stack_2(self):
        self.sshd.set_pam(stack_text(self.stack, 2))
        t = self.ssh("root")
        self.logged_in(t, "root")
        self.no_order()


if __name__ == "__main__":
    unittest.main()
