"""cmake --install (into a DESTDIR): the module into pam.pc's libdir +
/security, the tool, the man pages, the shipped BankID files, and the
sample config with mode 0600 that a second install never overwrites.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

SRC = os.environ.get("MID_SOURCE_DIR", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("MID_BUILD_DIR", os.path.join(SRC, "build"))


def cache(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return None


class CmakeInstallTest(unittest.TestCase):

    def setUp(self):
        self.dest = tempfile.mkdtemp(prefix="mid-install.")
        self.addCleanup(shutil.rmtree, self.dest, True)
        self.prefix = cache("CMAKE_INSTALL_PREFIX")

    def install(self):
        r = subprocess.run(["cmake", "--install", BUILD],
                           env=dict(os.environ, DESTDIR=self.dest),
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def path(self, p):
        return self.dest + p

    def mode(self, p):
        return os.stat(self.path(p)).st_mode & 0o777

    def test_module_lands_in_the_pam_module_directory(self):
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "pam"],
                                capture_output=True, text=True).stdout.strip()
        self.assertEqual(cache("PAM_MODULE_DIR"), libdir + "/security")
        self.install()
        self.assertTrue(os.path.isfile(self.path(libdir + "/security/pam_mobileid.so")))
        self.assertEqual(self.mode(self.prefix + "/bin/mobileid"), 0o755)

    def test_man_pages_and_bankid_files_are_installed(self):
        self.install()
        man = self.prefix + "/share/man/"
        for page in ("man1/mobileid.1", "man5/pam_mobileid.conf.5",
                     "man8/pam_mobileid.8"):
            self.assertEqual(self.mode(man + page), 0o644, page)
        data = self.prefix + "/share/pam_mobileid/"
        for f in ("bankid-root.pem", "bankid-test-root.pem",
                  "pam_mobileid.bankid-test.conf"):
            self.assertEqual(self.mode(data + f), 0o644, f)
        # holds a private key: the module refuses it readable by other
        self.assertEqual(self.mode(data + "FPTestcert5_20240610.p12"), 0o600)
        with open(self.path(data + "pam_mobileid.bankid-test.conf")) as f:
            text = f.read()
        self.assertIn("ca        = %sbankid-test-root.pem" % data, text)
        self.assertIn("cert      = %sFPTestcert5_20240610.p12" % data, text)
        self.assertIn("url       = https://appapi2.test.bankid.com/rp/v6.0/", text)

    def test_sample_config_is_0600_and_never_overwritten(self):
        self.install()
        conf = "/etc/security/pam_mobileid.conf"
        self.assertEqual(self.mode(conf), 0o600)
        with open(self.path(conf)) as f:
            self.assertIn("%s/share/pam_mobileid/bankid-root.pem" % self.prefix,
                          f.read())
        with open(self.path(conf), "w") as f:
            f.write("[general]\ntimeout = 30\n")
        os.chmod(self.path(conf), 0o640)
        self.install()
        with open(self.path(conf)) as f:
            self.assertEqual(f.read(), "[general]\ntimeout = 30\n")
        self.assertEqual(self.mode(conf), 0o640)


if __name__ == "__main__":
    unittest.main()
