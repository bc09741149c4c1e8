"""pam_mobileid.so with Toopher through the real libpam (pam_wrapper +
pamtester) against toopher-sim, which verifies every OAuth signature:
each outcome, each account error, every abort path, the transport and
the config rules."""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import pamtest  # noqa: F401  (sets sys.path)
from pamtest import NOT_SUCCESS, PamCase
from pamrun import PamLogin
import toopher_sim
from toopher_sim import SECRET, ToopherSim

RHOST = "203.0.113.5"


class ToopherLogin(PamLogin):
    """A login whose user alice is mapped to a Toopher pairing."""

    def __init__(self, s, pairing, general=None, toopher=None,
                 secret=SECRET, secret_mode=0o600, service="midtest",
                 raw_conf=None):
        super().__init__(s, usermap="alice toopher:%s\n" % pairing, raw_conf="")
        self.secret_file = toopher_sim.write_secret(
            os.path.join(self.dir, "toopher.secret"), secret, secret_mode)
        # the policy's memory per login: no rate limit or denial hold
        # across tests
        gen = {"state_dir": os.path.join(self.dir, "state"), "deny_hold": 0,
               "max_requests": "0/600"}
        gen.update(general or {})
        self.write("pam_mobileid.conf", raw_conf if raw_conf is not None else
                   toopher_sim.conf_text(s, self.usermap, self.secret_file,
                                         gen, toopher), 0o600)
        if service != self.service:
            self.service = service
            with open(os.path.join(self.svcdir, "midtest")) as f:
                self.write("pam.d/" + service, f.read(), 0o644)


class ToopherCase(PamCase):
    def setUp(self):
        self.s = ToopherSim()
        self.addCleanup(self.s.stop)
        self.addCleanup(self._sim_alive, self.s)
        self.pid = self.s.new_pairing("alice")["id"]

    def login(self, **kw):
        lg = ToopherLogin(self.s, self.pid, **kw)
        self.addCleanup(lg.close)
        return lg

    def started(self, timeout=15):
        """The request the module started (waits for it)."""
        return self.s.wait_for(lambda: self.s.requests_made(), timeout)[-1]

    def assert_all_signed(self, min_requests=1):
        """Every request reached the API with a good signature."""
        reqs = self.s.requests()
        self.assertGreaterEqual(len(reqs), min_requests, reqs)
        self.assertEqual([r["errorCode"] for r in reqs if r["status"] == 401], [])

    def assert_no_secret(self, lg):
        everything = "\n".join(self.module_log(lg)) + lg.text()
        self.assertNotIn(SECRET, everything + lg.err.decode("utf-8", "replace"))
        self.assertNotIn(self.pid, everything)

    def assert_polling_stopped(self, req_id):
        """No poll of the request after the login ended."""
        def polls():
            return [r for r in self.s.requests_made() if r["id"] == req_id][0]["polls"]
        before = polls()
        time.sleep(2.5)
        self.assertEqual(polls(), before, "the module kept polling")


class OutcomeTest(ToopherCase):
    def test_grant_in_the_app_logs_in_over_one_signed_connection(self):
        lg = self.login()
        lg.start("alice", rhost=RHOST)
        req = self.started()
        self.assertTrue(lg.wait_text("Approve the request in the Toopher app"))
        self.assertEqual(self.s.answer(self.pid, "grant", delay_ms=1200)[0], 200)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        req = self.s.requests_made()[-1]
        self.assertEqual(req["params"]["pairing_id"], self.pid)
        self.assertEqual(req["params"]["terminal_name"], RHOST)
        self.assertEqual(req["params"]["action_name"], "midtest")
        self.assertFalse(req["automated"])
        self.assertGreaterEqual(req["polls"], 2)
        self.assert_all_signed(3)
        # never JSON: a form POST, then GETs without a body
        self.assertEqual({(r["method"], r["content_type"]) for r in self.s.requests()},
                         {("POST", "application/x-www-form-urlencoded"), ("GET", None)})
        self.assertEqual(len(self.s.connections()), 1)
        self.decision(lg, "approved")
        self.assert_log_names(lg, "granted in the app")
        self.assert_no_secret(lg)

    def test_local_login_names_this_host_and_sshd_is_a_login(self):
        lg = self.login(service="sshd-toopher")
        lg.start("alice")
        self.started()
        self.s.answer(self.pid, "grant")
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        params = self.s.requests_made()[-1]["params"]
        self.assertEqual(params["terminal_name"], socket.gethostname())
        self.assertEqual(params["action_name"], "sshd-toopher login")

    def test_denial_in_the_app_is_an_auth_error(self):
        lg = self.login()
        lg.start("alice", rhost=RHOST)
        self.started()
        self.s.answer(self.pid, "deny")
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.assertIn("The request was denied in the Toopher app.", self.shown(lg))
        self.decision(lg, "denied")
        self.assert_log_names(lg, "denied in the app")

    def test_automated_grant_is_honoured_and_logged_as_automated(self):
        self.s.automate(self.pid, "grant")
        lg = self.login()
        self.assertEqual(self.run_login(lg, rhost=RHOST), "PAM_SUCCESS")
        self.assertTrue(self.s.requests_made()[-1]["automated"])
        self.decision(lg, "approved")
        self.assert_log_names(lg, "granted automatically")

    def test_automated_denial_in_the_initiate_reply_is_final(self):
        self.s.automate(self.pid, "deny", immediate=True)
        lg = self.login()
        self.assertEqual(self.run_login(lg), "PAM_AUTH_ERR")
        self.assertEqual(self.s.requests_made()[-1]["polls"], 0)
        self.assert_log_names(lg, "denied automatically")

    def test_swedish_texts(self):
        lg = self.login(general={"lang": "sv"})
        lg.start("alice")
        self.started()
        self.assertTrue(lg.wait_text("Godkänn begäran i Toopher-appen."))
        self.s.answer(self.pid, "deny")
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.assertIn("Begäran nekades i Toopher-appen.", self.shown(lg))


class AccountErrorTest(ToopherCase):
    def refused(self, message, code, **general):
        lg = self.login(general=general)
        self.assertEqual(self.run_login(lg), "PAM_AUTH_ERR")
        self.assertIn(message, self.shown(lg))
        self.assert_log_names(lg, "error_code %d" % code)
        self.decision(lg)
        self.assert_no_secret(lg)
        return lg

    def test_every_account_error_is_refused_with_its_message(self):
        self.s.user_state("alice", disabled=True)
        self.refused("Toopher authentication is turned off", 704)
        self.s.user_state("alice")
        self.s.pairing_state(self.pid, "deactivated")
        self.refused("no longer paired with this account", 707)
        self.s.pairing_state(self.pid, "unauthorized")
        self.refused("no longer paired with this account", 601)
        self.s.pairing_state(self.pid, "enabled")
        self.s.user_state("alice", otp="error")
        self.refused("one-time password", 708)
        for code, text in ((705, "does not know this account"),
                           (706, "does not know this computer")):
            self.s.fault("status", "initiate", count=1, status=409,
                         body='{"error_code":%d,"error_message":"x"}' % code)
            self.refused(text, code)
        # none of them left a request behind
        self.assertEqual(self.s.requests_made(), [])

    def test_otp_asked_in_the_reply_is_refused_without_polling(self):
        self.s.user_state("alice", otp="reason")
        lg = self.login()
        self.assertEqual(self.run_login(lg), "PAM_AUTH_ERR")
        self.assertIn("one-time password", self.shown(lg))
        self.assertEqual(self.s.requests_made()[-1]["polls"], 0)

    def test_pairing_deactivated_while_waiting_ends_the_login(self):
        lg = self.login()
        lg.start("alice")
        self.s.wait_polls(1)
        self.s.fault("status", "auth_status", count=1, status=409,
                     body='{"error_code":707,"error_message":"Pairing has been deactivated"}')
        self.assertEqual(self.finish(lg), "PAM_AUTH_ERR")
        self.assertIn("no longer paired", self.shown(lg))


class AbortTest(ToopherCase):
    def test_timeout_stops_polling_and_marks_the_request_cancelled(self):
        lg = self.login(general={"timeout": 5})
        self.assertEqual(self.run_login(lg), "PAM_AUTH_ERR")
        req = self.s.requests_made()[-1]
        self.assertTrue(req["pending"])
        self.decision(lg, "timed out")
        self.assert_log_names(lg, "cancelled: no more polls")
        self.assert_polling_stopped(req["id"])

    def test_ctrl_c_stops_polling(self):
        lg = self.login()
        lg.start("alice")
        req = self.s.wait_polls(1)
        lg.signal(signal.SIGINT)
        # the request is given up, the decision logged, then SIGINT takes
        # its default course: pamtester dies of it, as without the module
        lg.proc.wait(10)
        lg.wait(1)
        self.assertEqual(lg.proc.returncode, -signal.SIGINT)
        self.decision(lg, "interrupted")
        self.assert_log_names(lg, "cancelled: no more polls")
        self.assert_polling_stopped(req["id"])

    def test_conversation_failure_stops_polling(self):
        lg = self.login(general={"qr": "prompt"})
        lg.start("alice", stdin="closed")
        self.assertIn(self.finish(lg), ("PAM_AUTH_ERR",))
        req = self.s.requests_made()[-1]
        self.assert_log_names(lg, "cancelled: no more polls")
        self.assert_polling_stopped(req["id"])


class TransportTest(ToopherCase):
    def test_wrong_secret_is_a_refused_signature_never_success(self):
        lg = self.login(secret="not-the-secret")
        self.assertEqual(self.run_login(lg), "PAM_AUTHINFO_UNAVAIL")
        self.assertEqual(self.s.requests()[-1]["errorCode"], "bad signature")
        self.assert_log_names(lg, "signature refused")
        self.assertEqual(self.s.requests_made(), [])
        self.assert_no_secret(lg)

    def test_clock_skew_is_refused_as_a_stale_timestamp(self):
        self.s.clock(1000)
        lg = self.login()
        self.assertEqual(self.run_login(lg), "PAM_AUTHINFO_UNAVAIL")
        self.assertEqual(self.s.requests()[-1]["errorCode"], "stale timestamp")

    def test_503_before_a_request_is_an_outage_failmode_decides(self):
        self.s.fault("maintenance", "initiate", count=2)
        lg = self.login()
        self.assertEqual(self.run_login(lg), "PAM_AUTHINFO_UNAVAIL")
        self.decision(lg, "unreachable")
        lg2 = self.login(general={"failmode": "safe"})
        self.assertEqual(self.run_login(lg2), "PAM_SUCCESS")

    def test_faults_while_polling_are_never_success(self):
        for mode in ("garbage", "wrongtype", "badutf8", "html403", "close"):
            self.s.reset()
            self.pid = self.s.new_pairing("alice")["id"]
            self.s.fault(mode, "auth_status")
            lg = self.login(general={"timeout": 8})
            lg.start("alice")
            self.started()
            self.s.answer(self.pid, "grant")
            self.assertIn(self.finish(lg), NOT_SUCCESS, mode)

    def test_lost_polls_are_retried(self):
        self.s.fault("internal", "auth_status", count=2)
        lg = self.login()
        lg.start("alice")
        self.started()
        self.s.answer(self.pid, "grant", delay_ms=500)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")

    def test_no_ca_uses_the_system_store_never_one_the_environment_names(self):
        ca = os.path.join(self.s.certdir, "ca.pem")
        lg = self.login(toopher={"ca": None})
        code = self.run_login(lg, env={"SSL_CERT_FILE": ca, "CURL_CA_BUNDLE": ca,
                                       "SSL_CERT_DIR": os.path.dirname(ca)})
        self.assertEqual(code, "PAM_AUTHINFO_UNAVAIL")
        self.assertEqual(self.s.requests(), [])
        self.assertEqual(self.s.stats()["connections"], 0)
        self.decision(lg, "TLS verification failed")


    def test_no_ca_reads_the_system_store_directory_not_the_bundle(self):
        # pamtester's own mount namespace has, in place of /etc/ssl/certs,
        # a directory holding the simulator's CA under its hash name and
        # no bundle file: the login verifies through the directory, which
        # OpenSSL reads one CA at a time (the bundle is parsed whole)
        ca = os.path.join(self.s.certdir, "ca.pem")
        h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", ca],
                           capture_output=True, text=True, check=True)
        d = tempfile.mkdtemp(prefix="mid-certs.")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        shutil.copyfile(ca, os.path.join(d, h.stdout.strip() + ".0"))
        lg = self.login(toopher={"ca": None})
        lg.preexec = system_store_in(d)
        lg.start("alice")
        self.started()
        self.s.answer(self.pid, "grant")
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")


def system_store_in(d):
    """For preexec: a private mount namespace with d on /etc/ssl/certs."""
    libc = ctypes.CDLL(None, use_errno=True)

    def enter():
        # unshare(CLONE_NEWNS); mount --make-rprivate /; mount --bind
        if (libc.unshare(0x20000) != 0
                or libc.mount(b"none", b"/", None, 16384 | 262144, None) != 0
                or libc.mount(d.encode(), b"/etc/ssl/certs", None, 4096,
                              None) != 0):
            os._exit(99)
    return enter


class ConfigTest(ToopherCase):
    def refused(self, lg):
        self.assertEqual(self.run_login(lg), "PAM_SERVICE_ERR")
        self.assertEqual(self.s.requests(), [])

    def test_secret_file_readable_by_other_is_refused(self):
        lg = self.login(secret_mode=0o644)
        self.refused(lg)
        self.assert_log_names(lg, "readable by other")

    def test_missing_key_secret_or_section_is_refused(self):
        self.refused(self.login(toopher={"consumer_key": None}))
        self.refused(self.login(toopher={"consumer_secret_file": None}))
        lg = self.login(toopher={"consumer_secret": SECRET})
        self.refused(lg)
        self.assert_log_names(lg, "not both")
        lg = self.login()
        lg.write("pam_mobileid.conf", "[general]\nusermap = %s\nstate_dir = %s\n"
                 % (lg.usermap, os.path.join(lg.dir, "state")), 0o600)
        self.refused(lg)
        self.assert_log_names(lg, "no [toopher] section")

    def test_inline_secret_works_in_a_private_config(self):
        lg = self.login(toopher={"consumer_secret_file": None,
                                 "consumer_secret": SECRET})
        lg.start("alice")
        self.started()
        self.s.answer(self.pid, "grant")
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")


if __name__ == "__main__":
    unittest.main()
