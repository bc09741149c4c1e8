"""Which user map line a PAM_USER finds (doc/interface.md, "The user map") and how names
reach the log (§7), through libpam against mobileid-sim.

A case-insensitive directory (SSSD, winbind) logs ALICE in as alice: the
map is looked up by the account name NSS gives. The name service here is
tests/pam/nss_midtest.c, loaded by nss_wrapper: ALICE, Alice and
alice@EXAMPLE.COM are the account alice; "nsserror" fails as NSS does when
the caller's file descriptor limit is reached."""
import os
import unittest

from pamtest import OTHER_PNR, PNR, PamCase  # sets the path to tests/lib

import sim  # noqa: E402
from pamrun import write_file  # noqa: E402

NSS_MODULE = os.path.join(sim.build_dir(), "tests", "pam", "libnss_midtest.so.2")


class NamesTest(PamCase):

    def nss_env(self, lg):
        """pamtester's environment with the test name service."""
        passwd = write_file(lg.dir, "passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644)
        group = write_file(lg.dir, "group", "root:x:0:\n", 0o644)
        self.assertTrue(os.path.exists(NSS_MODULE), NSS_MODULE)
        return {"LD_PRELOAD": "libpam_wrapper.so libnss_wrapper.so",
                "NSS_WRAPPER_PASSWD": passwd, "NSS_WRAPPER_GROUP": group,
                "NSS_WRAPPER_MODULE_SO_PATH": NSS_MODULE,
                "NSS_WRAPPER_MODULE_FN_PREFIX": "midtest"}

    def approve_as(self, pam_user):
        """Logs in as pam_user with alice mapped, approving in the app;
        with unmapped = ignore, so a miss would not be an error."""
        s = self.start_sim()
        lg = self.login(s, usermap="alice bankid:%s\n" % PNR,
                        general={"unmapped": "ignore"})
        return self.approve_in_app(lg, s, pam_user, env=self.nss_env(lg))

    def test_upper_case_name_finds_the_account_nss_knows(self):
        self.assertIn("user=ALICE ", self.approve_as("ALICE"))

    def test_domain_suffixed_name_finds_the_account_nss_knows(self):
        self.assertIn("user=alice@EXAMPLE.COM ", self.approve_as("alice@EXAMPLE.COM"))

    def test_name_nss_does_not_know_is_looked_up_as_given(self):
        s = self.start_sim()
        lg = self.login(s, usermap="carol bankid:%s\n" % PNR)
        lg.start("carol", env=self.nss_env(lg))
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "deny", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.assertIn("user=carol ", self.decision(lg, "denied"))
        # and an unknown name in another case is not carol
        lg2 = self.login(s, usermap="carol bankid:%s\n" % PNR)
        self.assertEqual(self.run_login(lg2, "CAROL", env=self.nss_env(lg2)),
                         "PAM_USER_UNKNOWN")
        self.assertEqual(len(s.orders()), 1)

    def test_name_service_failure_is_an_error_not_an_unknown_user(self):
        # with unmapped = ignore, "unknown" would skip the second factor
        s = self.start_sim()
        lg = self.login(s, usermap="alice bankid:%s\n" % PNR,
                        general={"unmapped": "ignore"})
        self.assertEqual(self.run_login(lg, "nsserror", env=self.nss_env(lg)),
                         "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.assert_log_names(lg, "cannot look up user nsserror",
                              "Too many open files")

    def test_too_long_name_is_refused_not_cut(self):
        # cut to 255 bytes it would be the mapped "a" x 255
        s = self.start_sim()
        long_name = "a" * 255
        for general in ({"unmapped": "deny"}, {"unmapped": "ignore"}):
            lg = self.login(s, usermap="%s bankid:%s\n" % (long_name, PNR),
                            general=general)
            self.assertEqual(self.run_login(lg, long_name + "zz-other"),
                             "PAM_USER_UNKNOWN")
            self.assert_log_names(lg, "refused user name",
                                  "longer than 255 bytes")
        self.assert_no_request(s)

    def test_name_of_255_bytes_is_looked_up_whole(self):
        s = self.start_sim()
        long_name = "a" * 255
        lg = self.login(s, usermap="%s bankid:%s\n" % (long_name, PNR))
        lg.start(long_name)
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "deny", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")

    def test_name_with_control_characters_is_refused_not_cleaned(self):
        # cleaned to "alice?" or cut at the newline it could match a line
        s = self.start_sim()
        for name in ("alice\n", "alice\x01", "ali\x1bce", "alice\u0085"):
            lg = self.login(s, usermap="alice bankid:%s\nalice? bankid:%s\n"
                            % (PNR, OTHER_PNR),
                            general={"unmapped": "ignore"})
            self.assertEqual(self.run_login(lg, name), "PAM_USER_UNKNOWN",
                             repr(name))
            self.assert_log_names(lg, "refused user name",
                                  "holds control characters")
        self.assert_no_request(s)

    def test_user_name_cannot_fake_a_field_of_the_log_line(self):
        s = self.start_sim()
        lg = self.login(s, general={"unmapped": "deny"})
        self.assertEqual(self.run_login(lg, "x rhost=evil approved: user=root"),
                         "PAM_USER_UNKNOWN")
        self.assertEqual(self.decision(lg, "unmapped"),
                         'unmapped: user="x rhost=evil approved: user=root" '
                         "rhost=local: refused")

    def test_remote_host_cannot_fake_a_line_or_reorder_it(self):
        s = self.start_sim()
        lg = self.login(s, general={"unmapped": "deny"})
        rhost = "evil\u2028approved: user=root \u202etoor\u2066"
        self.assertEqual(self.run_login(lg, "mallory", rhost=rhost),
                         "PAM_USER_UNKNOWN")
        line = self.decision(lg, "unmapped")
        self.assertEqual(line, 'unmapped: user=mallory rhost="evil\\u{2028}'
                         'approved: user=root \\u{202E}toor\\u{2066}": refused')


if __name__ == "__main__":
    unittest.main()
