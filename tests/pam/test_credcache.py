"""The decrypted PKCS#12 copy kept in state_dir (doc/security.md, "The
decrypted client key"): made once, root's alone and 0600, used by the next
login, never in place of a changed file or password, and ignored when it is
damaged or not ours alone. Through libpam against mobileid-sim. A login
that resumes the kept TLS session never decodes the key (credclient.c), so
the tests of the copy itself run against a simulator without tickets."""
import glob
import os
import shutil
import stat
import unittest

from pamtest import PamCase

KEPT_LINE = "decrypted credentials kept in"


class CredCacheTest(PamCase):

    def kept(self, lg):
        """The copies in the login's state directory."""
        return glob.glob(os.path.join(lg.dir, "state", "p12key-*"))

    def own_p12(self, lg, name="client.p12", password="qwerty123"):
        """A PKCS#12 file and password file of this login (root's, 0600)
        in place of the shared ones; returns (p12, password file)."""
        p12 = os.path.join(lg.dir, "rp.p12")
        shutil.copyfile(os.path.join(lg.sim.certdir, name), p12)
        os.chmod(p12, 0o600)
        pw = lg.write("rp.pass", password + "\n", 0o600)
        conf = open(lg.conf).read()
        conf = conf.replace(os.path.join(lg.sim.certdir, "client.p12"), p12)
        conf = conf.replace(os.path.join(lg.sim.certdir, "client.pass"), pw)
        lg.write("pam_mobileid.conf", conf, 0o600)
        return p12, pw

    def approved(self, lg, s):
        """One login approved in the app; returns its order's client CN."""
        s.reset()
        self.approve_in_app(lg, s)
        return self.only_order(s)["client"]

    def test_p12_is_decrypted_once_and_kept_root_only(self):
        s = self.start_sim(tickets=0)
        lg = self.login(s, args="debug")
        self.approved(lg, s)
        self.assertNotIn(KEPT_LINE, "\n".join(self.module_log(lg)))
        kept = self.kept(lg)
        self.assertEqual(len(kept), 1, kept)
        st = os.lstat(kept[0])
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600))
        with open(kept[0]) as f:
            text = f.read()
        self.assertTrue(text.startswith("-----BEGIN MID CREDS CACHE-----"))
        self.assertIn("-----BEGIN PRIVATE KEY-----", text)
        self.assertNotIn("qwerty123", text)
        self.assertEqual(glob.glob(os.path.join(lg.dir, "state", "*.*")), [])
        # the next login takes the kept copy
        self.approved(lg, s)
        self.assert_log_names(lg, KEPT_LINE, lg.dir)

    def test_a_new_p12_at_the_same_path_is_used_at_once(self):
        s = self.start_sim()
        lg = self.login(s)
        p12, _ = self.own_p12(lg)
        self.assertEqual(self.approved(lg, s), "FP Testcert pam_mobileid")
        shutil.copyfile(os.path.join(s.certdir, "client2.p12"), p12)
        self.assertEqual(self.approved(lg, s), "Second RP")
        self.assertEqual(len(self.kept(lg)), 1)

    def test_a_wrong_password_is_refused_though_a_copy_and_a_session_are_kept(self):
        # the kept TLS session is made with the password too, so the next
        # login decodes the key: a wrong password is found at once, and
        # it is the admin's error, never an outage failmode=safe forgives
        s = self.start_sim()
        lg = self.login(s, general={"failmode": "safe"})
        _, pw = self.own_p12(lg)
        self.approved(lg, s)
        self.approved(lg, s)
        self.assertEqual([c["resumed"] for c in s.connections()], [True])
        lg.write("rp.pass", "not-the-password\n", 0o600)
        s.reset()
        self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.assert_log_names(lg, "wrong password?")

    def test_a_damaged_or_foreign_copy_is_ignored_and_replaced(self):
        s = self.start_sim(tickets=0)
        lg = self.login(s, args="debug")
        self.approved(lg, s)
        path = self.kept(lg)[0]
        good = open(path).read()
        for damage in ("garbage", "half", "mode", "link"):
            os.unlink(path)
            if damage == "link":
                os.symlink(os.path.join(s.certdir, "client-combined.pem"), path)
            else:
                with open(path, "w") as f:
                    f.write("not a copy\n" if damage == "garbage"
                            else good[:len(good) // 2] if damage == "half"
                            else good)
                os.chmod(path, 0o644 if damage == "mode" else 0o600)
            self.approved(lg, s)
            self.assertNotIn(KEPT_LINE, "\n".join(self.module_log(lg)), damage)
            st = os.lstat(path)
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, damage)
            self.assertTrue(stat.S_ISREG(st.st_mode), damage)
            self.assertTrue(open(path).read().startswith(
                "-----BEGIN MID CREDS CACHE-----"), damage)


if __name__ == "__main__":
    unittest.main()
