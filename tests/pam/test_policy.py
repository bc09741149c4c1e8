"""The policy around an order (doc/interface.md, "Policy"): groups, who
approves su, what the app shows for sudo, callers nobody can see, a denial
held across processes, grace, one open order per user, the order count.
Several pamtester processes share one state directory, as sshd's forked
children share /run/pam_mobileid."""
import os
import socket
import subprocess
import time

from pamtest import CERTS, OTHER_PNR, PNR, PamCase
import pbmsim  # noqa: E402  (tests/lib is on the path through pamtest)
from netfault import closed_port  # noqa: E402
from pamrun import module_path, pam_wrapper_env  # noqa: E402
import safedir  # noqa: E402
from safedir import safe_tmpdir  # noqa: E402

BOB = "bob@example.com"


class PolicyCase(PamCase):

    def setUp(self):
        # one state directory for every login of a test, in a root-owned
        # 0755 directory with nothing above it others can write (the
        # module refuses a state directory others could replace)
        self.base = safe_tmpdir("mid-policy.")
        self.addCleanup(safedir.remove, self.base)  # and its start gate
        self.state = os.path.join(self.base, "state")

    def policy_login(self, s, usermap=None, **general):
        gen = {"state_dir": self.state, "deny_hold": 0,
               "max_requests": "0/600", "timeout": 20}
        gen.update(general)
        kw = {"usermap": usermap} if usermap else {}
        return self.login(s, general=gen, **kw)

    def approve_next(self, s, lg, action="approve"):
        qr = lg.wait_qr()
        st, body = s.scan(qr, action, 300)
        self.assertEqual(st, 200, body)


class GroupsTest(PolicyCase):

    def test_user_outside_groups_is_ignored_and_nothing_is_sent(self):
        s = self.start_sim()
        # alice is not in the test machine's NSS: a member of no group
        lg = self.policy_login(s, groups="root")
        self.assertEqual(self.run_login(lg, "alice"), "PAM_PERM_DENIED")
        self.assert_no_request(s)
        self.decision(lg, "outside groups")
        self.assertIn("ignored", self.decision(lg))

    def test_member_of_a_listed_group_is_asked(self):
        s = self.start_sim()
        lg = self.policy_login(s, usermap="root bankid:%s\n" % PNR,
                               groups="nogroup, root")
        lg.start("root")
        self.approve_next(s, lg)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 1)

    def test_member_of_a_negated_group_is_ignored(self):
        s = self.start_sim()
        lg = self.policy_login(s, usermap="root bankid:%s\n" % PNR,
                               groups="root,!root")
        self.assertEqual(self.run_login(lg, "root"), "PAM_PERM_DENIED")
        self.assert_no_request(s)

    def test_negations_alone_refuse_every_login(self):
        s = self.start_sim()
        lg = self.policy_login(s, groups="!contractors")
        self.assertEqual(self.run_login(lg, "alice"), "PAM_SERVICE_ERR")
        self.assert_no_request(s)


class SuTest(PolicyCase):
    """pamtester runs as root here: root is the caller of this 'su'."""

    def su_login(self, s, **general):
        lg = self.policy_login(
            s, usermap="root bankid:%s\nalice bankid:%s\n" % (PNR, OTHER_PNR),
            **general)
        lg.service = "su"
        os.rename(os.path.join(lg.svcdir, "midtest"),
                  os.path.join(lg.svcdir, "su"))
        return lg

    def test_su_caller_approves_a_switch_to_another_account(self):
        s = self.start_sim()
        lg = self.su_login(s)
        lg.start("alice")
        self.approve_next(s, lg)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        # the order was for root's number, and root's number approved
        self.assertEqual(self.only_order(s)["personalNumber"], PNR)

    def test_su_target_approves_with_su_approver_target(self):
        s = self.start_sim()
        lg = self.su_login(s, su_approver="target")
        lg.start("alice")
        qr = lg.wait_qr()
        s.scan(qr, "approve", 300, personalNumber=OTHER_PNR)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["personalNumber"], OTHER_PNR)


class SudoTextTest(PolicyCase):

    def test_sudo_approval_shows_the_command(self):
        s = self.start_sim()
        lg = self.policy_login(s, message="sudo on %h by %u")
        lg.service = "sudo"
        os.rename(os.path.join(lg.svcdir, "midtest"),
                  os.path.join(lg.svcdir, "sudo"))
        lg.start("alice")
        self.approve_next(s, lg, "deny")
        self.finish(lg)
        text = self.only_order(s)["userVisibleData"]
        # the host's command line after argv[0]: pamtester's own words
        self.assertEqual(text, "sudo on %s by alice: -v sudo alice "
                         "authenticate" % socket.gethostname())


class NonInteractiveTest(PolicyCase):

    def test_no_terminal_and_output_to_dev_null_sends_nothing(self):
        s = self.start_sim()
        lg = self.policy_login(s)
        env = pam_wrapper_env(lg.svcdir, PAM_WRAPPER_DEBUGLEVEL="2")
        # no tty, nothing shown anywhere: setsid drops the terminal
        t0 = time.monotonic()
        p = subprocess.run(
            ["setsid", "pamtester", "midtest", "alice", "authenticate"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertLess(self.elapsed(t0), 10)
        self.assert_no_request(s)

    def test_qr_off_needs_no_terminal(self):
        s = self.start_sim()
        lg = self.policy_login(s, qr="off")
        env = pam_wrapper_env(lg.svcdir)
        p = subprocess.Popen(
            ["setsid", "pamtester", "midtest", "alice", "authenticate"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.addCleanup(p.kill)
        s.wait_for(lambda: s.orders(), timeout=15)
        st, body = s.open(PNR, "approve", 300)
        self.assertEqual(st, 200, body)
        self.assertEqual(p.wait(30), 0)


class DenyHoldTest(PolicyCase):

    def test_denial_holds_for_the_same_user_and_remote_host(self):
        s = self.start_sim()
        first = self.policy_login(s, deny_hold=60)
        first.start("alice", rhost="10.1.1.1")
        self.approve_next(s, first, "deny")
        self.assertEqual(self.finish(first), "PAM_AUTH_ERR")
        # sshd's next try: a new process, the same user and address
        again = self.policy_login(s, deny_hold=60)
        t0 = time.monotonic()
        self.assertEqual(self.run_login(again, "alice", rhost="10.1.1.1"),
                         "PAM_AUTH_ERR")
        self.assertLess(self.elapsed(t0), 5)
        self.assertEqual(len(s.orders()), 1)
        self.decision(again, "denial held")
        self.assertIn("The request was denied in the app.", self.shown(again))

    def test_denial_does_not_hold_for_another_remote_host(self):
        s = self.start_sim()
        first = self.policy_login(s, deny_hold=60)
        first.start("alice", rhost="10.1.1.1")
        self.approve_next(s, first, "deny")
        self.finish(first)
        other = self.policy_login(s, deny_hold=60)
        other.start("alice", rhost="10.2.2.2")
        self.approve_next(s, other)
        self.assertEqual(self.finish(other), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 2)

    def test_deny_hold_zero_starts_a_new_order(self):
        s = self.start_sim()
        first = self.policy_login(s, deny_hold=0)
        first.start("alice")
        self.approve_next(s, first, "deny")
        self.finish(first)
        again = self.policy_login(s, deny_hold=0)
        again.start("alice")
        self.approve_next(s, again)
        self.assertEqual(self.finish(again), "PAM_SUCCESS")


class GraceTest(PolicyCase):

    def test_approval_within_grace_passes_without_an_order(self):
        s = self.start_sim()
        first = self.policy_login(s, grace=300)
        first.start("alice", rhost="10.1.1.1")
        self.approve_next(s, first)
        self.assertEqual(self.finish(first), "PAM_SUCCESS")
        again = self.policy_login(s, grace=300)
        self.assertEqual(self.run_login(again, "alice", rhost="10.1.1.1"),
                         "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 1)
        self.assertIn("(grace)", self.decision(again, "approved"))

    def test_grace_never_crosses_remote_hosts_or_services(self):
        s = self.start_sim()
        first = self.policy_login(s, grace=300)
        first.start("alice", rhost="10.1.1.1")
        self.approve_next(s, first)
        self.finish(first)
        other_host = self.policy_login(s, grace=300)
        other_host.start("alice", rhost="10.9.9.9")
        self.approve_next(s, other_host, "deny")
        self.assertEqual(self.finish(other_host), "PAM_AUTH_ERR")
        other_service = self.policy_login(s, grace=300)
        other_service.service = "sudo"
        os.rename(os.path.join(other_service.svcdir, "midtest"),
                  os.path.join(other_service.svcdir, "sudo"))
        other_service.start("alice", rhost="10.1.1.1")
        self.approve_next(s, other_service, "deny")
        self.assertEqual(self.finish(other_service), "PAM_AUTH_ERR")
        self.assertEqual(len(s.orders()), 3)

    def test_grace_off_by_default(self):
        s = self.start_sim()
        first = self.policy_login(s)
        first.start("alice")
        self.approve_next(s, first)
        self.finish(first)
        again = self.policy_login(s)
        again.start("alice")
        self.approve_next(s, again)
        self.assertEqual(self.finish(again), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 2)


class ConcurrentTest(PolicyCase):

    def test_refuse_answers_a_second_login_at_once(self):
        s = self.start_sim()
        first = self.policy_login(s, concurrent="refuse")
        first.start("alice")
        qr = first.wait_qr()
        second = self.policy_login(s, concurrent="refuse")
        t0 = time.monotonic()
        self.assertEqual(self.run_login(second, "alice"), "PAM_AUTH_ERR")
        self.assertLess(self.elapsed(t0), 5)
        self.decision(second, "busy")
        s.scan(qr, "approve", 300)
        self.assertEqual(self.finish(first), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 1)

    def test_wait_shares_the_first_result_and_sends_one_order(self):
        s = self.start_sim()
        first = self.policy_login(s, concurrent="wait")
        first.start("alice", rhost="10.1.1.1")
        qr = first.wait_qr()
        second = self.policy_login(s, concurrent="wait")
        second.start("alice", rhost="10.1.1.1")
        time.sleep(1.5)
        self.assertIsNone(second.proc.poll(), "the second did not wait")
        s.scan(qr, "approve", 300)
        self.assertEqual(self.finish(first), "PAM_SUCCESS")
        self.assertEqual(self.finish(second), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 1)
        self.assertIn("(the concurrent order)",
                      self.decision(second, "approved"))

    def test_wait_shares_a_denial_too(self):
        s = self.start_sim()
        first = self.policy_login(s, concurrent="wait")
        first.start("alice")
        qr = first.wait_qr()
        second = self.policy_login(s, concurrent="wait")
        second.start("alice")
        time.sleep(1.0)
        s.scan(qr, "deny", 300)
        self.assertEqual(self.finish(first), "PAM_AUTH_ERR")
        self.assertEqual(self.finish(second), "PAM_AUTH_ERR")
        self.assertEqual(len(s.orders()), 1)

    def test_other_users_are_not_held_up(self):
        s = self.start_sim()
        users = "alice bankid:%s\nbob bankid:%s\n" % (PNR, OTHER_PNR)
        first = self.policy_login(s, usermap=users, concurrent="refuse")
        first.start("alice")
        first.wait_qr()
        second = self.policy_login(s, usermap=users, concurrent="refuse")
        second.start("bob")
        second.wait_qr()
        self.assertEqual(len(s.orders()), 2)


class MaxRequestsTest(PolicyCase):

    def test_orders_past_the_limit_get_maxtries_and_nothing_is_sent(self):
        s = self.start_sim()
        for _ in range(2):
            lg = self.policy_login(s, max_requests="2/600")
            lg.start("alice")
            self.approve_next(s, lg, "deny")
            self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        over = self.policy_login(s, max_requests="2/600")
        self.assertEqual(self.run_login(over, "alice"), "PAM_MAXTRIES")
        self.assertEqual(len(s.orders()), 2)
        self.decision(over, "too many requests")
        self.assertIn("Too many login requests", self.shown(over))

    def test_unmapped_and_outside_users_count_nothing(self):
        s = self.start_sim()
        for _ in range(3):
            lg = self.policy_login(s, max_requests="1/600")
            self.assertEqual(self.run_login(lg, "nobody-mapped"),
                             "PAM_USER_UNKNOWN")
        lg = self.policy_login(s, max_requests="1/600")
        lg.start("alice")
        self.approve_next(s, lg)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")


class ChainTest(PolicyCase):
    """alice bankid:... passbyme:...: the second identity only when the
    first provider is unreachable before an order exists."""

    def chain_login(self, bankid_url, pbm):
        usermap = "alice bankid:%s passbyme:%s\n" % (PNR, BOB)
        lg = self.policy_login(pbm, usermap=usermap)
        # both sections: BankID where the test says, PassBy[ME] its sim
        certs = pbm.certdir
        with open(lg.conf, "a") as f:
            f.write("[bankid]\nurl = %s\ncert = %s/client.p12\n"
                    "password_file = %s/client.pass\nca = %s/ca.pem\n"
                    % (bankid_url, certs, certs, certs))
        return lg

    def start_pbm(self):
        pbm = pbmsim.PbmSim(CERTS, delivery_ms=100, download_ms=100)
        self.addCleanup(pbm.stop)
        return pbm

    def test_next_identity_is_asked_when_the_first_is_unreachable(self):
        pbm = self.start_pbm()
        pbm.user(BOB, answer="approve", answer_ms=500)
        lg = self.chain_login("https://127.0.0.1:%d/rp/v6.0/" % closed_port(),
                              pbm)
        self.assertEqual(self.run_login(lg, "alice"), "PAM_SUCCESS")
        self.assertEqual(len(pbm.messages()), 1)
        self.assert_log_names(lg, "bankid unreachable before any order",
                              "passbyme")
        self.assertIn("provider=passbyme", self.decision(lg, "approved"))

    def test_a_denial_by_the_first_is_final(self):
        s = self.start_sim()
        pbm = self.start_pbm()
        pbm.user(BOB, answer="approve", answer_ms=500)
        lg = self.chain_login(s.api_url, pbm)
        lg.start("alice")
        qr = lg.wait_qr()
        s.scan(qr, "deny", 300)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.assertEqual(pbm.messages(), [])


class CheckReportTest(PolicyCase):
    """`mobileid check` shows the policy in force and each user's chain."""

    def test_check_reports_policy_and_chains(self):
        lg = self.policy_login(
            None, usermap="alice bankid:%s bankid:%s\nbob bankid:%s\n"
            % (PNR, OTHER_PNR, OTHER_PNR),
            groups="root,!nogroup", grace=120, concurrent="refuse",
            deny_hold=30, max_requests="3/60", timeout=50)
        tool = os.path.join(os.path.dirname(module_path()), "mobileid")
        p = subprocess.run([tool, "check", "-c", lg.conf],
                           capture_output=True, text=True, timeout=30)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("user alice: bankid:********1239 -> "
                      "bankid:********9874", out)
        self.assertIn("user bob: bankid:********9874", out)
        for line in ("groups = root,!nogroup", "grace = 120 s",
                     "concurrent = refuse", "deny_hold = 30 s",
                     "max_requests = 3 per 60 s",
                     "state kept in " + self.state):
            self.assertIn("policy: " + line, out)
        self.assertNotIn(PNR, out)


class StateDirTest(PolicyCase):

    def test_files_are_root_only_whatever_the_umask(self):
        s = self.start_sim()
        lg = self.policy_login(s, deny_hold=60, max_requests="5/600")
        lg.preexec = lambda: os.umask(0)
        lg.start("alice")
        self.approve_next(s, lg, "deny")
        self.finish(lg)
        st = os.stat(self.state)
        self.assertEqual(st.st_mode & 0o777, 0o700)
        names = os.listdir(self.state)
        self.assertTrue(names)
        for n in names:
            self.assertNotIn("alice", n)
            self.assertEqual(os.stat(os.path.join(self.state, n)).st_mode
                             & 0o077, 0)

    def test_a_state_dir_others_can_write_refuses_the_login(self):
        s = self.start_sim()
        os.chmod(self.base, 0o777)
        lg = self.policy_login(s)
        self.assertIn(self.run_login(lg, "alice"),
                      ("PAM_SERVICE_ERR", "PAM_AUTH_ERR"))
        self.assert_no_request(s)


if __name__ == "__main__":
    import unittest
    unittest.main()
