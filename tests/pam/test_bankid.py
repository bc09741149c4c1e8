"""pam_mobileid with BankID: the login flows a person goes through
(doc/interface.md: return codes, user map, what the person sees, logs), through libpam against mobileid-sim."""
import signal
import socket
import subprocess
import time
import unittest

from pamtest import OTHER_PNR, PNR, PamCase, module_path

PERMIT = "/lib/x86_64-linux-gnu/security/pam_permit.so"


def qr_token(payload):
    return payload.split(".")[1]


def host_addresses():
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True)
    return set(out.stdout.split())


class ApprovalTest(PamCase):

    def test_approval_in_the_app_logs_in_over_one_connection(self):
        s = self.start_sim()
        lg = self.login(s, general={"timeout": 20,
                                    "message": "Log in to %h as %u (%s from %r)"},
                        bankid={"poll": 2}, args="debug")
        lg.start("alice", rhost="1.2.3.4")
        qr = lg.wait_qr()
        st, body = s.scan(qr, "approve", 500)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")

        o = self.only_order(s)
        self.assertEqual(o["kind"], "auth")
        self.assertEqual(o["status"], "complete")
        self.assertEqual(o["via"], "qr")
        self.assertEqual(o["completedAs"], PNR)
        self.assertEqual(o["personalNumber"], PNR)   # requirement.personalNumber
        self.assertEqual(o["endUserIp"], "1.2.3.4")
        self.assertEqual(o["userVisibleData"], "Log in to %s as alice (midtest from 1.2.3.4)"
                         % socket.gethostname())
        self.assertFalse(o["cancelled"])
        self.assertEqual([sc["result"] for sc in o["scans"]], ["ok"])

        reqs = s.requests()
        paths = self.paths(s)
        self.assertEqual(paths[0], "auth")
        self.assertGreaterEqual(len(paths), 2)
        self.assertEqual(set(paths[1:]), {"collect"}, paths)
        self.assertTrue(all(r["status"] == 200 for r in reqs), reqs)
        # one TLS connection for auth and every collect
        conns = s.connections()
        self.assertEqual(len(conns), 1, conns)
        self.assertEqual({r["conn"] for r in reqs}, {conns[0]["id"]})
        self.assertEqual(conns[0]["requests"], len(reqs))
        # collect about every `poll` (2 s), never faster than 1 s
        times = [r["t_ms"] for r in reqs]
        gaps = [b - a for a, b in zip(times, times[1:])]
        for g in gaps:
            self.assertGreaterEqual(g, 1000, gaps)
            self.assertAlmostEqual(g, 2000, delta=400, msg=gaps)
        # no collect after the one that saw the order complete
        self.assertLessEqual(o["final_ms"], times[-1])
        self.assertGreater(o["final_ms"], times[-2])

        line = self.decision(lg, "approved")
        self.assertIn("user=alice", line)
        self.assertIn("rhost=1.2.3.4", line)
        self.assertIn("provider=bankid", line)
        self.assertIn("id=********1239", line)
        self.assertIn("Approved.", lg.text())
        self.assert_nothing_leaked(lg)

    def test_local_login_sends_this_hosts_address_as_end_user_ip(self):
        s = self.start_sim()
        lg = self.login(s, general={"message": "%u via %s from %r"})
        lg.start("alice")
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "approve", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        o = self.only_order(s)
        addrs = host_addresses()
        if addrs:
            self.assertIn(o["endUserIp"], addrs)
        else:
            self.assertEqual(o["endUserIp"], "127.0.0.1")
        self.assertEqual(o["userVisibleData"], "alice via midtest from local")
        self.assertIn("rhost=local", self.decision(lg, "approved"))
        self.assert_nothing_leaked(lg)

    def test_denial_in_the_app_is_an_auth_error(self):
        s = self.start_sim()
        lg = self.login(s)
        lg.start("alice", rhost="1.2.3.4")
        st, body = s.scan(lg.wait_qr(), "deny", 200)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        o = self.only_order(s)
        self.assertEqual((o["status"], o["hintCode"]), ("failed", "userCancel"))
        self.assertEqual(self.cancels(s), [])  # over at BankID: nothing to cancel
        self.assertEqual(self.paths(s)[-1], "collect")
        self.decision(lg, "denied")
        self.assertIn("The action was cancelled.", self.shown(lg))
        self.assert_nothing_leaked(lg)

    def test_approval_by_another_person_is_an_identity_mismatch(self):
        s = self.start_sim()
        lg = self.login(s)
        lg.start("alice")
        st, body = s.scan(lg.wait_qr(), "approve", 200, personalNumber=OTHER_PNR)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        o = self.only_order(s)
        self.assertEqual(o["status"], "complete")
        self.assertEqual(o["completedAs"], OTHER_PNR)
        self.decision(lg, "identity mismatch")
        self.assert_log_names(lg, "********9874", "********1239")
        self.assert_nothing_leaked(lg)

    def test_unmapped_user_is_unknown_and_nothing_is_sent(self):
        s = self.start_sim()
        lg = self.login(s, general={"unmapped": "deny"})
        self.assertEqual(self.run_login(lg, "mallory"), "PAM_USER_UNKNOWN")
        self.assert_no_request(s)
        self.assertEqual(s.connections(), [])
        self.assertIn("user=mallory", self.decision(lg, "unmapped"))

    def test_unmapped_user_with_ignore_leaves_the_decision_to_the_stack(self):
        s = self.start_sim()
        # alone in the stack, PAM_IGNORE makes libpam answer
        # PAM_PERM_DENIED ("Permission denied" in pamtester)
        lg = self.login(s, general={"unmapped": "ignore"})
        self.assertEqual(self.run_login(lg, "mallory"), "PAM_PERM_DENIED")
        self.assertIn("ignored", self.decision(lg, "unmapped"))
        # followed by pam_permit, only PAM_IGNORE (not an error) lets in
        stack = ("auth [success=done ignore=ignore default=die] %s conf=%s\n"
                 "auth required %s")
        lg2 = self.login(s, general={"unmapped": "ignore"})
        lg2.write("pam.d/midtest", stack % (module_path(), lg2.conf, PERMIT) + "\n", 0o644)
        self.assertEqual(self.run_login(lg2, "mallory"), "PAM_SUCCESS")
        self.assertIn("ignored", self.decision(lg2, "unmapped"))
        # the same stack with unmapped = deny stops at the module
        lg3 = self.login(s, general={"unmapped": "deny"})
        lg3.write("pam.d/midtest", stack % (module_path(), lg3.conf, PERMIT) + "\n", 0o644)
        self.assertEqual(self.run_login(lg3, "mallory"), "PAM_USER_UNKNOWN")
        self.assertIn("refused", self.decision(lg3, "unmapped"))
        self.assert_no_request(s)
        self.assertEqual(s.connections(), [])

    def test_unscanned_order_is_restarted_and_the_new_qr_approves(self):
        # The first order's start window ends on cue (the simulator's
        # lapse), the second's never while the test runs: reading a QR off
        # the pipe takes the phone anything from 0.5 s to 10 s on a loaded
        # machine, and no clock may decide whether it is in time. Frame
        # freshness is test_qr_freshness's business, not this test's.
        s = self.start_sim(start_failed_ms=600000, qr_max_age_s=600)
        lg = self.login(s, general={"timeout": 120})
        lg.start("alice")
        qr1 = lg.wait_qr(timeout=60)
        first = s.wait_for(lambda: s.orders(), 30)[0]
        self.assertEqual(s.lapse(first["orderRef"]), (200, {"orderRef": first["orderRef"]}))
        s.wait_for(lambda: len(s.orders()) >= 2, 30)
        # the newest frame on the screen is the new order's, once drawn
        qr2 = lg.wait_qr(timeout=60)
        while qr_token(qr2) == qr_token(qr1):
            qr2 = lg.wait_qr(timeout=60, after=len(lg.out))
        st, body = s.scan(qr2, "approve", 200)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        orders = s.orders()
        self.assertEqual(len(orders), 2, orders)
        first, second = orders
        self.assertEqual((first["status"], first["hintCode"]), ("failed", "startFailed"))
        self.assertFalse(first["cancelled"])
        self.assertEqual(first["scans"], [])
        self.assertEqual(second["status"], "complete")
        self.assertEqual(second["personalNumber"], PNR)
        self.assertEqual([sc["result"] for sc in second["scans"]], ["ok"])
        # the new order came after the module saw the old one fail
        self.assertGreaterEqual(second["created_ms"], first["final_ms"])
        seen = [(r["path"].rsplit("/", 1)[-1], r["orderRef"]) for r in s.requests()]
        restart = seen.index(("auth", second["orderRef"]))
        self.assertEqual(seen[restart - 1], ("collect", first["orderRef"]), seen)
        self.assertEqual(self.cancels(s), [])
        self.decision(lg, "approved")
        self.assert_nothing_leaked(lg)

    def test_no_answer_times_out_and_the_order_is_cancelled(self):
        s = self.start_sim()
        lg = self.login(s, general={"timeout": 5})
        t0 = time.monotonic()
        lg.start("alice")
        code = self.finish(lg, 30)
        took = self.elapsed(t0)
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.assertGreaterEqual(took, 4.5)
        self.assertLess(took, 8)
        o = self.only_order(s)
        self.assert_cancelled(s, o)
        self.decision(lg, "timed out")
        self.assertIn("Time is up", self.shown(lg))
        self.assert_nothing_leaked(lg)

    def test_ctrl_c_while_waiting_cancels_the_order_then_ends_the_host(self):
        s = self.start_sim()
        lg = self.login(s, general={"timeout": 20})
        lg.start("alice")
        lg.wait_qr()
        lg.signal(signal.SIGINT)
        # the order is cancelled, the decision logged, then SIGINT takes
        # its default course: pamtester dies of it, as without the module
        lg.proc.wait(10)
        lg.wait(1)
        self.assertEqual(lg.proc.returncode, -signal.SIGINT)
        o = self.only_order(s)
        self.assert_cancelled(s, o)
        self.decision(lg, "interrupted")
        self.assertIn("The login request was cancelled.", self.shown(lg))

    def test_sigterm_and_sighup_while_waiting_cancel_the_order_too(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with self.subTest(signal=sig.name):
                s = self.start_sim()
                lg = self.login(s, general={"timeout": 20})
                lg.start("alice")
                s.wait_for(lambda: s.orders(), 10)
                time.sleep(0.5)
                lg.signal(sig)
                lg.proc.wait(10)
                lg.wait(1)
                self.assertEqual(lg.proc.returncode, -sig)
                self.assert_cancelled(s, self.only_order(s))
                self.decision(lg, "interrupted")

    def test_sigterm_while_the_prompt_is_up_cancels_then_ends_the_host(self):
        # sshd ends its PAM process with SIGTERM when the client goes while
        # the process is blocked reading the answer: the order is cancelled,
        # then the signal takes its default course (pamtester dies of it)
        s = self.start_sim()
        lg = self.login(s, general={"qr": "prompt", "timeout": 20})
        lg.start("alice", stdin=b"")
        lg.wait_qr(stream="err")
        lg.signal(signal.SIGTERM)
        lg.proc.wait(10)
        self.assertEqual(lg.proc.returncode, -signal.SIGTERM)
        self.assert_cancelled(s, self.only_order(s))

    def test_end_of_input_at_the_prompt_gives_up(self):
        # Ctrl-D: the conversation succeeds with no answer at all
        s = self.start_sim()
        lg = self.login(s, general={"qr": "prompt", "timeout": 20})
        lg.start("alice", stdin=b"")
        lg.wait_qr(stream="err")
        lg.proc.stdin.close()
        self.assertEqual(self.finish(lg, 10), "PAM_AUTH_ERR")
        self.assert_cancelled(s, self.only_order(s))

    def test_conversation_failure_in_a_prompt_cancels_the_order(self):
        s = self.start_sim()
        lg = self.login(s, general={"qr": "prompt", "timeout": 20})
        lg.start("alice", stdin="closed")  # reading the answer fails
        self.assertEqual(self.finish(lg, 15), "PAM_AUTH_ERR")
        o = self.only_order(s)
        self.assert_cancelled(s, o)
        self.assertEqual(o["collects"], 0)
        self.decision(lg, "conversation failed")

    def test_qr_off_starts_a_phone_order_the_rp_initiates(self):
        s = self.start_sim()
        lg = self.login(s, general={"qr": "off"})
        lg.start("alice", rhost="1.2.3.4")
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "approve", 300)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        o = self.only_order(s)
        self.assertEqual(o["kind"], "phone/auth")
        self.assertEqual(o["callInitiator"], "RP")
        self.assertEqual(o["personalNumber"], PNR)
        self.assertEqual(o["via"], "pno")
        self.assertEqual(self.paths(s)[0], "phone/auth")
        self.assertFalse(set(lg.text()) & set("\u2588\u2580\u2584#"), "a QR was drawn")
        self.assertIn("Start your BankID app.", lg.text())
        self.decision(lg, "approved")
        self.assert_nothing_leaked(lg)

    def test_prompt_mode_collects_once_per_answer(self):
        s = self.start_sim()
        # utf8: the ascii '#' drawing is not what this test is about
        lg = self.login(s, general={"qr": "prompt", "timeout": 30,
                                    "charset": "utf8"})
        lg.start("alice", stdin=b"")
        qr = lg.wait_qr(stream="err")
        self.assertIn("Approve, then press Enter.", lg.err.decode("utf-8", "replace"))
        o = self.only_order(s)
        time.sleep(2.5)  # nobody answers: nothing is collected
        self.assertEqual(self.paths(s), ["auth"])
        lg.answer()
        s.wait_for(lambda: s.order(o["orderRef"])["collects"] == 1, 5)
        st, body = s.scan(qr, "approve", 0)
        self.assertEqual(st, 200, body)
        time.sleep(1.2)
        self.assertEqual(s.order(o["orderRef"])["collects"], 1)
        lg.answer()
        self.assertEqual(self.finish(lg, 15), "PAM_SUCCESS")
        o = s.order(o["orderRef"])
        self.assertEqual(o["collects"], 2)
        self.assertEqual(o["status"], "complete")
        times = [r["t_ms"] for r in o["requests"]]
        self.assertGreaterEqual(times[2] - times[1], 1000)
        self.decision(lg, "approved")
        self.assert_nothing_leaked(lg)

    def test_swedish_shows_the_swedish_rfa_texts(self):
        s = self.start_sim()
        lg = self.login(s, general={"lang": "sv"})
        lg.start("alice")
        self.assertTrue(lg.wait_text("Starta BankID-appen."), lg.text())
        st, body = s.open(PNR, "deny", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        text = self.shown(lg)
        self.assertIn("Tid kvar:", text)
        self.assertIn("Åtgärden avbröts.", text)
        self.assertNotIn("Start your BankID app.", text)
        self.assertNotIn("The action was cancelled.", text)
        self.assertEqual(self.only_order(s)["hintCode"], "userCancel")
        self.decision(lg, "denied")

    def test_light_theme_qr_scans_on_a_light_terminal(self):
        s = self.start_sim()
        lg = self.login(s, general={"theme": "light"})
        lg.start("alice")
        qr = lg.wait_qr(theme="light")
        st, body = s.scan(qr, "approve", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["via"], "qr")
        self.decision(lg, "approved")

    def test_qr_on_screen_is_fresh_and_accepted(self):
        s = self.start_sim()
        lg = self.login(s)
        lg.start("alice")
        time.sleep(3)  # let the order age: qrTime must follow
        mark = len(lg.text().encode())
        qr = lg.wait_qr(after=mark)
        st, body = s.scan(qr, "approve", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        o = self.only_order(s)
        self.assertEqual(len(o["scans"]), 1)
        scan = o["scans"][0]
        self.assertEqual(scan["result"], "ok")
        self.assertEqual(int(qr.split(".")[2]), scan["qrTime"])
        self.assertGreaterEqual(scan["qrTime"], 3)
        age = (scan["t_ms"] - o["created_ms"]) / 1000.0
        self.assertLessEqual(abs(age - scan["qrTime"]), 2, (age, scan))


class UsermapFormsTest(PamCase):
    """10-digit and hyphenated numbers reach BankID as 12 digits."""

    def check_form(self, form):
        s = self.start_sim()
        lg = self.login(s, usermap="alice bankid:%s\n" % form)
        lg.start("alice")
        s.wait_for(lambda: s.orders(), 10)
        self.assertEqual(self.only_order(s)["personalNumber"], PNR)
        st, body = s.open(PNR, "approve", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["completedAs"], PNR)
        self.assertIn("id=********1239", self.decision(lg, "approved"))
        self.assert_nothing_leaked(lg, form, form.replace("-", ""))

    def test_ten_digit_number_is_sent_as_twelve(self):
        self.check_form("9001011239")

    def test_ten_digit_number_with_hyphen_is_sent_as_twelve(self):
        self.check_form("900101-1239")

    def test_twelve_digit_number_with_hyphen_is_sent_without(self):
        self.check_form("19900101-1239")


if __name__ == "__main__":
    unittest.main()
