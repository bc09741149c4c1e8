"""The TLS 1.3 session kept in state_dir between logins (doc/security.md,
"The kept TLS session"): the next login resumes it, never with another
client certificate, other trust anchors or another URL; a server that
no longer takes it costs a full handshake, never a failure; a damaged or
foreign file is ignored and replaced. Through libpam against
mobileid-sim, whose connection log tells a resumed handshake."""
import glob
import os
import stat
import subprocess
import unittest

from pamtest import PamCase, module_path

RESUMED_LINE = "resumed the TLS session kept in"
# credcache.c's debug line: the client key was decoded from the kept copy
DECODED_LINE = "decrypted credentials kept in"
MAGIC = b"MIDTLS13"


def read(*path, mode="r"):
    with open(os.path.join(*path), mode) as f:
        return f.read()


class TlsKeepTest(PamCase):

    def kept(self, state_dir):
        return glob.glob(os.path.join(state_dir, "tls-*"))

    def state(self, lg):
        return os.path.join(lg.dir, "state")

    def login_once(self, lg, s):
        """One login approved in the app; returns the simulator's one
        connection: whether it was resumed, and the client it saw."""
        s.reset()
        self.approve_in_app(lg, s)
        conns = s.connections()
        self.assertEqual(len(conns), 1, conns)
        resumed = RESUMED_LINE in "\n".join(self.module_log(lg))
        self.assertEqual(conns[0]["resumed"], resumed, self.module_log(lg))
        return conns[0]["resumed"], conns[0]["client"]

    def resuming(self):
        """A simulator and a login whose second login resumed the kept
        session (the first made it)."""
        s = self.start_sim()
        lg = self.login(s, args="debug")
        self.login_once(lg, s)
        self.assertTrue(self.login_once(lg, s)[0])
        return s, lg

    def assert_kept_file(self, path):
        st = os.lstat(path)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600))
        with open(path, "rb") as f:
            self.assertTrue(f.read().startswith(MAGIC))

    def test_the_next_login_resumes_and_the_server_still_knows_the_rp(self):
        s = self.start_sim()
        lg = self.login(s, args="debug")
        self.assertEqual(self.login_once(lg, s),
                         (False, "FP Testcert pam_mobileid"))
        kept = self.kept(self.state(lg))
        self.assertEqual(len(kept), 1, kept)
        self.assert_kept_file(kept[0])
        for _ in range(2):
            self.assertEqual(self.login_once(lg, s),
                             (True, "FP Testcert pam_mobileid"))
        self.assertEqual(self.only_order(s)["client"],
                         "FP Testcert pam_mobileid")
        self.assertEqual(self.kept(self.state(lg)), kept)

    def test_only_a_full_handshake_decodes_our_key(self):
        # the first login decrypts the PKCS#12 bundle (and keeps a copy),
        # a resumed one is never asked for the certificate
        s, lg = self.resuming()
        self.assertNotIn(DECODED_LINE, "\n".join(self.module_log(lg)))
        # a server that asks again gets it, from the kept copy
        s.tls_forget()
        self.assertFalse(self.login_once(lg, s)[0])
        self.assertEqual("\n".join(self.module_log(lg)).count(DECODED_LINE),
                         1)

    def test_another_client_certificate_is_a_full_handshake(self):
        s, lg = self.resuming()
        other = self.login(s, args="debug", general={
            "state_dir": self.state(lg)}, bankid={
            "cert": os.path.join(s.certdir, "client2.p12")})
        self.assertEqual(self.login_once(other, s), (False, "Second RP"))
        self.assertEqual(self.only_order(s)["client"], "Second RP")
        self.assertEqual(self.login_once(other, s), (True, "Second RP"))

    def test_other_trust_anchors_or_url_are_a_full_handshake(self):
        s, lg = self.resuming()
        both = lg.write("cas.pem", read(s.certdir, "ca.pem") +
                        read(s.certdir, "otherca.pem"), 0o644)
        other_ca = self.login(s, args="debug", general={
            "state_dir": self.state(lg)}, bankid={"ca": both})
        self.assertFalse(self.login_once(other_ca, s)[0])
        # the same server by another name is another URL
        other_url = self.login(s, args="debug", general={
            "state_dir": self.state(lg)}, bankid={
            "url": s.api_url.replace("localhost", "LOCALHOST")})
        self.assertFalse(self.login_once(other_url, s)[0])

    def test_a_session_the_server_forgot_costs_a_full_handshake(self):
        s, lg = self.resuming()
        s.tls_forget()
        self.assertFalse(self.login_once(lg, s)[0])
        # and the new one is kept
        self.assertTrue(self.login_once(lg, s)[0])

    def test_a_failed_resumption_is_dropped_and_the_login_goes_on(self):
        s = self.start_sim()
        lg = self.login(s, args="debug")
        self.login_once(lg, s)
        path = self.kept(self.state(lg))[0]
        s.reset()
        s.tls_break_resumption()
        self.approve_in_app(lg, s)
        self.assert_log_names(lg, "a handshake offering the TLS session "
                              "kept in", "failed: it is dropped")
        # the aborted handshake, then one full handshake for the login
        self.assertEqual(s.stats()["handshake_failures"], 1)
        self.assertEqual([c["resumed"] for c in s.connections()], [False])
        # the new session of that full handshake is kept
        self.assert_kept_file(path)
        self.assertTrue(self.login_once(lg, s)[0])

    def test_the_probe_never_offers_the_kept_session(self):
        # mobileid check --probe tests the full handshake, our
        # certificate included: a resumed one would prove neither
        s, lg = self.resuming()
        s.reset()
        tool = os.path.join(os.path.dirname(os.path.dirname(module_path())),
                            "pam_mobileid", "mobileid")
        p = subprocess.run([tool, "check", "--probe", "-c", lg.conf],
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual([(c["resumed"], c["client"]) for c in s.connections()],
                         [(False, "FP Testcert pam_mobileid")])

    def test_a_server_without_tickets_is_served_as_before(self):
        s = self.start_sim(tickets=0)
        lg = self.login(s, args="debug")
        for _ in range(2):
            self.assertFalse(self.login_once(lg, s)[0])
        self.assertEqual(self.kept(self.state(lg)), [])

    def test_a_damaged_or_foreign_file_is_ignored_and_replaced(self):
        s = self.start_sim()
        lg = self.login(s, args="debug")
        self.login_once(lg, s)
        path = self.kept(self.state(lg))[0]
        good = read(path, mode="rb")
        # a session of another server, under this one's name
        s2 = self.start_sim()
        lg2 = self.login(s2)
        self.login_once(lg2, s2)
        foreign = read(self.kept(self.state(lg2))[0], mode="rb")
        flipped = good[:-40] + bytes([good[-40] ^ 1]) + good[-39:]
        for damage, data in (("garbage", b"not a session\n"),
                             ("half", good[:len(good) // 2]),
                             ("flipped", flipped), ("foreign", foreign),
                             ("mode", good), ("link", None)):
            os.unlink(path)
            if data is None:
                os.symlink(os.path.join(s.certdir, "ca.pem"), path)
            else:
                with open(path, "wb") as f:
                    f.write(data)
                os.chmod(path, 0o644 if damage == "mode" else 0o600)
            self.assertFalse(self.login_once(lg, s)[0], damage)
            self.assert_kept_file(path)
            self.assertTrue(self.login_once(lg, s)[0], damage)


if __name__ == "__main__":
    unittest.main()
