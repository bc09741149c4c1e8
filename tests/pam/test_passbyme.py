"""pam_mobileid with PassBy[ME]: the login flows and every recipient status
(doc/passbyme.md), through libpam against passbyme-sim."""
import signal
import socket
import time
import unittest

from pbmcase import BOB, EVE, MASKED, PbmCase

APPROVE = "Approve the request in the PassBy[ME] app."


class ApprovalTest(PbmCase):

    def test_approval_in_the_app_logs_in_over_one_connection(self):
        s = self.start_sim()
        s.user(BOB, answer="approve", answer_ms=1500)
        lg, code = self.bob(s, login={
            "general": {"message": "Log in to %h as %u (%s from %r)"},
            "passbyme": {"subject": "Server login", "availability": 15}},
            rhost="1.2.3.4")
        self.assertEqual(code, "PAM_SUCCESS")
        m = self.only_message(s)
        self.assertEqual(m["recipients"][0], {
            "userId": BOB, "status": "APPROVED", "mappedTo": BOB,
            "t_final_ms": m["recipients"][0]["t_final_ms"]})
        self.assertEqual((m["type"], m["subject"], m["body"]),
                         ("authorization", "Server login",
                          "Log in to %s as bob (midtest from 1.2.3.4)"
                          % socket.gethostname()))
        self.assertEqual(m["availability"], 15)
        self.assertFalse(m["cancelled"])
        reqs = s.requests()
        self.assertEqual([r["method"] for r in reqs][0], "POST")
        self.assertEqual({r["method"] for r in reqs[1:]}, {"GET"})
        self.assertTrue(all(r["status"] == 200 for r in reqs), reqs)
        # one TLS connection; polls at least a second apart; none after
        # the one that saw the approval
        conns = s.connections()
        self.assertEqual(len(conns), 1, conns)
        self.assertEqual(conns[0]["requests"], len(reqs))
        times = [r["t_ms"] for r in reqs]
        self.assertTrue(all(b - a >= 1000 for a, b in zip(times, times[1:])),
                        times)
        self.assertGreater(m["created_ms"] + m["recipients"][0]["t_final_ms"],
                           times[-2])
        line = self.decision(lg, "approved")
        for field in ("user=bob", "rhost=1.2.3.4", "provider=passbyme",
                      "id=" + MASKED):
            self.assertIn(field, line)
        shown = self.shown(lg)
        self.assertIn(APPROVE, shown)
        self.assertIn("Time left:", shown)
        self.assertIn("Approved.", shown)
        self.assertNotIn("\u2580", shown)  # never a QR
        self.assertNotIn("##", shown)
        self.assert_pbm_nothing_leaked(lg, s)

    def test_progress_delivered_and_seen_is_shown(self):
        s = self.start_sim(delivery_ms=1500, download_ms=1500)
        s.user(BOB, answer="approve", answer_ms=4500)
        lg, code = self.bob(s)
        self.assertEqual(code, "PAM_SUCCESS")
        shown = self.shown(lg)
        self.assertIn(APPROVE, shown)
        self.assertIn("The request has reached your phone.", shown)
        self.assertIn("The request is open in the PassBy[ME] app.", shown)

    def test_swedish_texts(self):
        s = self.start_sim()
        s.user(BOB, answer="deny", answer_ms=1200)
        lg, code = self.bob(s, login={"general": {"lang": "sv"}})
        self.assertEqual(code, "PAM_AUTH_ERR")
        shown = self.shown(lg)
        self.assertIn("Godkänn begäran i PassBy[ME]-appen.", shown)
        self.assertIn("Tid kvar:", shown)
        self.assertIn("Begäran nekades i PassBy[ME]-appen.", shown)

    def test_prompt_mode_polls_once_per_answer_with_the_passbyme_title(self):
        s = self.start_sim()
        lg = self.login(s, general={"qr": "prompt"})
        lg.start("bob", stdin=b"")
        s.wait_for(lambda: s.messages(), 10)
        st, _ = s.phone(BOB, "approve")
        self.assertEqual(st, 200)
        time.sleep(1.5)
        lg.answer(b"\n")
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        err = lg.err.decode()
        self.assertIn("Log in with PassBy[ME]", err)
        self.assertIn(APPROVE, err)
        self.assertNotIn("BankID", err)

    def test_qr_off_waits_silently_and_needs_no_terminal(self):
        s = self.start_sim()
        s.user(BOB, answer="approve", answer_ms=2500)
        lg, code = self.bob(s, login={"general": {"qr": "off"}}, stdin="closed")
        self.assertEqual(code, "PAM_SUCCESS")
        shown = lg.text()
        self.assertNotIn("Time left", shown)
        # each status line once, not once a poll
        self.assertLessEqual(shown.count(APPROVE), 1)


class StatusTest(PbmCase):

    def test_statuses_at_the_send_never_log_in_and_say_why(self):
        cases = (("no_device", "NO_DEVICE", "has no phone that can take"),
                 ("disabled", "DISABLED", "account is disabled"),
                 ("failed", "FAILED", "could not deliver the request"))
        s = self.start_sim()
        for account, status, text in cases:
            with self.subTest(account=account):
                s.reset()
                s.user(BOB, account=account)
                lg, code = self.bob(s)
                self.assertEqual(code, "PAM_AUTH_ERR")
                m = self.only_message(s)
                self.assertEqual(m["recipients"][0]["status"], status)
                self.assertEqual(self.deletes(s), [])  # final: nothing to delete
                self.decision(lg, "order failed")
                self.assert_log_names(lg, "passbyme", status)
                self.assertIn(text, self.shown(lg))

    def test_unknown_passbyme_id_is_refused_and_says_so(self):
        s = self.start_sim()
        s.user(BOB, account="unknown")
        lg, code = self.bob(s)
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.assertEqual(s.messages(), [])
        self.assert_log_names(lg, "420", "NOT_FOUND")
        self.assertIn("does not know the ID", self.shown(lg))

    def test_denial_is_final_and_nothing_is_deleted(self):
        s = self.start_sim()
        s.user(BOB, answer="deny", answer_ms=500)
        lg, code = self.bob(s)
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.assertEqual(self.only_message(s)["recipients"][0]["status"],
                         "DENIED")
        self.assertEqual(self.deletes(s), [])
        self.decision(lg, "denied")
        self.assertIn("The request was denied in the PassBy[ME] app.",
                      self.shown(lg))

    def test_seen_is_not_an_approval(self):
        s = self.start_sim()
        s.user(BOB, answer="see", answer_ms=500)
        lg, code = self.bob(s)
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.assertEqual(self.only_message(s)["recipients"][0]["status"], "SEEN")
        self.decision(lg, "order failed")

    def test_approval_by_another_recipient_is_an_identity_mismatch(self):
        s = self.start_sim()
        s.user(BOB, answer="approve_as", as_=EVE, answer_ms=500)
        lg, code = self.bob(s)
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.decision(lg, "identity mismatch")
        self.assert_log_names(lg, "*" * (len(EVE) - 4) + ".com", MASKED)
        self.assertIn("that does not belong to this", self.shown(lg))
        self.assert_pbm_nothing_leaked(lg, s)
        self.assertNotIn(EVE, "\n".join(self.module_log(lg)))

    def test_expiry_in_every_open_state_never_logs_in(self):
        # three logins at once: the push never arrives, the app never
        # fetches, the person never answers; availability 10 s
        s = self.start_sim()
        users = {"bob": ("b1@example.com", "offline", "NOT_NOTIFIED"),
                 "carl": ("c1@example.com", "no_download", "NOT_DOWNLOADED"),
                 "dan": ("d1@example.com", "ok", "NOT_SEEN")}
        usermap = "".join("%s passbyme:%s\n" % (u, v[0]) for u, v in users.items())
        logins = {}
        for user, (pid, account, _) in users.items():
            s.user(pid, account=account)
            lg = self.login(s, usermap=usermap, general={"timeout": 40},
                            passbyme={"availability": 10})
            lg.start(user)
            logins[user] = lg
        for user, (pid, _, status) in users.items():
            lg = logins[user]
            self.assertEqual(self.finish(lg), "PAM_AUTH_ERR", user)
            self.decision(lg, "order failed")
            self.assertIn("not answered in time", self.shown(lg))
            m = [m for m in s.messages()
                 if m["recipients"][0]["mappedTo"] == pid][0]
            self.assertEqual(m["recipients"][0]["status"], status)
            self.assertFalse(m["cancelled"])


class AbortTest(PbmCase):

    def test_timeout_deletes_the_message_which_never_outlives_the_login(self):
        s = self.start_sim()
        t0 = time.monotonic()
        lg, code = self.bob(s, login={"general": {"timeout": 5},
                                      "passbyme": {"availability": 60}})
        self.assertEqual(code, "PAM_AUTH_ERR")
        self.assertLess(self.elapsed(t0), 12)
        m = self.only_message(s)
        self.assertLessEqual(m["availability"], 5)
        self.assert_deleted(s, m)
        self.decision(lg, "timed out")

    def test_ctrl_c_sigterm_and_sighup_delete_the_message_then_end_the_host(self):
        s = self.start_sim()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with self.subTest(sig=sig):
                s.reset()
                lg = self.login(s)
                lg.start("bob")
                s.wait_for(lambda: s.messages(), 10)
                self.assertTrue(lg.wait_text(APPROVE, 10))
                lg.signal(sig)
                # the message is deleted, the decision logged, then the
                # signal takes its default course: pamtester dies of it
                lg.proc.wait(10)
                lg.wait(1)
                self.assertEqual(lg.proc.returncode, -sig)
                self.assert_deleted(s, self.only_message(s))
                self.decision(lg, "interrupted")

    def test_conversation_failure_in_a_prompt_deletes_the_message(self):
        s = self.start_sim()
        lg = self.login(s, general={"qr": "prompt"})
        lg.start("bob", stdin="closed")
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.assert_deleted(s, self.only_message(s))
        self.decision(lg, "conversation failed")


if __name__ == "__main__":
    unittest.main()
