"""Signed sudo (doc/interface.md, "Signed sudo"): with sudo_sign = yes and
the service sudo, BankID signs a text naming the user, host and command;
the signature and OCSP response are kept in a root-only audit directory
before PAM_SUCCESS, and `mobileid audit` lists and verifies the records.
pamtester plays sudo: its command line after argv[0] is the command."""
import base64
import json
import os
import shutil
import socket
import stat
import subprocess

from pamtest import PNR, PamCase, closed_port
from pamrun import write_file  # noqa: E402
import sim  # noqa: E402
from safedir import safe_tmpdir  # noqa: E402

COMMAND = "-v sudo alice authenticate"  # pamtester's words after argv[0]


def tool():
    return os.path.join(sim.build_dir(), "pam_mobileid", "mobileid")


class SudoSignCase(PamCase):

    def setUp(self):
        self.base = safe_tmpdir("mid-audit.")
        self.addCleanup(shutil.rmtree, self.base, True)
        # two levels that do not exist yet: the module makes them 0700
        self.audit = os.path.join(self.base, "lib", "audit")

    def sign_login(self, s, service="sudo", usermap=None, bankid=None,
                   **general):
        gen = {"sudo_sign": "yes", "audit_dir": self.audit}
        gen.update(general)
        bk = {"signer_ca": os.path.join(self.base, "signer-ca.pem")}
        bk.update(bankid or {})
        kw = {"usermap": usermap} if usermap else {}
        lg = self.login(s, general=gen, bankid=bk, **kw)
        if service != lg.service:
            lg.service = service
            os.rename(os.path.join(lg.svcdir, "midtest"),
                      os.path.join(lg.svcdir, service))
        return lg

    def approve(self, s, lg, action="approve"):
        lg.start("alice")
        st, body = s.scan(lg.wait_qr(), action, 300)
        self.assertEqual(st, 200, body)
        return self.finish(lg)

    def records(self):
        if not os.path.isdir(self.audit):
            return []
        return sorted(os.listdir(self.audit))

    def audit_tool(self, lg, s, *args):
        """mobileid audit with the login's config; the simulator's CA is
        the signer_ca."""
        ca = os.path.join(self.base, "signer-ca.pem")
        if not os.path.exists(ca):
            st, body = s._ctl("GET", "/signer-ca")
            self.assertEqual(st, 200, body)
            write_file(self.base, "signer-ca.pem", body["pem"], 0o644)
        return subprocess.run([tool(), "audit", "-c", lg.conf] + list(args),
                              capture_output=True, text=True, timeout=30)


class SignTest(SudoSignCase):

    def test_sudo_signs_the_command_and_keeps_a_root_only_record(self):
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        order = self.only_order(s)
        self.assertEqual(order["kind"], "sign")
        text = order["userVisibleData"]
        self.assertEqual(text, "Signed sudo on %s\nUser: alice (from local)\n"
                         "Command: sudo %s" % (socket.gethostname(), COMMAND))
        # one record, 0600 in a 0700 directory made with its parent
        names = self.records()
        self.assertEqual(len(names), 1, names)
        self.assertTrue(names[0].endswith("-%s.json" % order["orderRef"]))
        for d in (self.audit, os.path.dirname(self.audit)):
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700, d)
        path = os.path.join(self.audit, names[0])
        st = os.lstat(path)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid), (0o600, 0))
        with open(path) as f:
            rec = json.load(f)
        self.assertEqual(base64.b64decode(rec["userVisibleData"]).decode(),
                         text)
        self.assertEqual(rec["command"], COMMAND)
        self.assertEqual((rec["service"], rec["user"], rec["orderRef"]),
                         ("sudo", "alice", order["orderRef"]))
        self.assertEqual(rec["signer"]["personalNumber"], PNR)
        self.assertTrue(rec["signature"] and rec["ocspResponse"])
        self.decision(lg, "approved")
        self.assert_log_names(lg, "audit: signature kept in", self.audit)
        # the file holds the number in full; the log never does
        self.assert_nothing_leaked(lg)

    def test_without_sudo_sign_sudo_logs_in_with_auth(self):
        s = self.start_sim()
        lg = self.sign_login(s, sudo_sign="no")
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["kind"], "auth")
        self.assertEqual(self.records(), [])

    def test_sudo_sign_leaves_other_services_alone(self):
        s = self.start_sim()
        lg = self.sign_login(s, service="midtest")
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["kind"], "auth")
        self.assertEqual(self.records(), [])

    def test_denied_signature_keeps_no_record(self):
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assertEqual(self.approve(s, lg, "deny"), "PAM_AUTH_ERR")
        self.assertEqual(self.records(), [])

    def test_the_prompt_says_the_person_signs(self):
        # the prompt's first line names what the app will ask for
        for sign, title in (("yes", "Sign with BankID"),
                            ("no", "Log in with BankID")):
            with self.subTest(sudo_sign=sign):
                s = self.start_sim()
                lg = self.sign_login(s, qr="prompt", sudo_sign=sign)
                lg.start("alice", stdin=b"")
                st, body = s.scan(lg.wait_qr(stream="err"), "approve", 300)
                self.assertEqual(st, 200, body)
                ref = self.only_order(s)["orderRef"]
                s.wait_for(lambda: s.order(ref)["status"] == "complete", 10)
                lg.answer()  # approved in the app, then Enter
                self.assertEqual(self.finish(lg), "PAM_SUCCESS")
                self.assertIn(title, lg.err.decode("utf-8", "replace"))

    def test_qr_off_signs_with_phone_sign(self):
        s = self.start_sim()
        lg = self.sign_login(s, qr="off")
        lg.start("alice")
        s.wait_for(lambda: s.orders(), 10)
        st, body = s.open(PNR, "approve", 0)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.finish(lg), "PAM_SUCCESS")
        self.assertEqual(self.only_order(s)["kind"], "phone/sign")
        self.assertEqual(len(self.records()), 1)

    def test_grace_never_passes_a_signed_sudo(self):
        s = self.start_sim()
        lg = self.sign_login(s, grace=600)
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        # the second sudo signs again: a signature is for one command
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        self.assertEqual(len(s.orders()), 2)
        self.assertEqual(len(self.records()), 2)


class RefusedTest(SudoSignCase):

    def test_failmode_safe_never_passes_a_signed_sudo_unsigned(self):
        # BankID down before any order: failmode = safe lets a login in,
        # but a signed sudo without its signature is no approval
        url = "https://localhost:%d/rp/v6.0/" % closed_port()
        lg = self.sign_login(None, bankid={"url": url}, failmode="safe")
        lg.start("alice")
        self.assertEqual(self.finish(lg), "PAM_AUTHINFO_UNAVAIL")
        self.assertNotIn("failmode=safe", self.decision(lg, "unreachable"))
        self.assert_log_names(lg, "sudo_sign: no signature",
                              "failmode=safe does not apply")
        self.assertEqual(self.records(), [])

    def assert_audit_failed(self, s, lg):
        self.assertEqual(self.approve(s, lg), "PAM_SERVICE_ERR")
        self.assertEqual(self.only_order(s)["status"], "complete")
        self.decision(lg, "audit record failed")
        self.assertIn("could not be kept", self.shown(lg))
        self.assert_log_names(lg, "audit:", "approval refused")

    def test_audit_dir_in_a_group_writable_directory_fails_the_approval(self):
        os.makedirs(os.path.dirname(self.audit), mode=0o775)
        os.chmod(os.path.dirname(self.audit), 0o775)
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assert_audit_failed(s, lg)
        self.assertEqual(self.records(), [])
        self.assert_log_names(lg, "writable by group or other")

    def test_audit_dir_others_can_read_fails_the_approval(self):
        os.makedirs(self.audit, mode=0o755)
        os.chmod(self.audit, 0o755)
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assert_audit_failed(s, lg)
        self.assertEqual(self.records(), [])

    def test_audit_dir_that_is_a_file_fails_the_approval(self):
        os.makedirs(os.path.dirname(self.audit), mode=0o700)
        write_file(os.path.dirname(self.audit), "audit", "", 0o600)
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assert_audit_failed(s, lg)

    def test_audit_dir_through_a_symlink_of_others_fails_the_approval(self):
        elsewhere = os.path.join(self.base, "elsewhere")
        os.makedirs(elsewhere, mode=0o700)
        os.makedirs(os.path.dirname(self.audit), mode=0o700)
        os.symlink(elsewhere, self.audit)
        os.lchown(self.audit, 65534, 65534)
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assert_audit_failed(s, lg)
        self.assertEqual(os.listdir(elsewhere), [])

    def test_user_whose_provider_cannot_sign_is_refused_before_any_order(self):
        s = self.start_sim()
        lg = self.sign_login(s, usermap="alice passbyme:alice@example.com\n")
        with open(lg.conf, "a") as f:
            f.write("[passbyme]\nurl = https://localhost:1/frontend/\n"
                    "cert = /nonexistent.p12\nca = /nonexistent.pem\n")
        self.assertEqual(self.run_login(lg, "alice"), "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.decision(lg, "cannot sign")
        self.assert_log_names(lg, "sudo_sign:", "passbyme")
        self.assertIn("has no BankID", " ".join(self.shown(lg).split()))

    def long_command(self, lg):
        # pamtester's words after argv[0] are the "command": 250 more
        # operations make it some 3,300 bytes (it stops at the first
        # that fails)
        words = lg.command
        lg.command = lambda user, rhost=None: (words(user, rhost)
                                               + ["authenticate"] * 250)

    def test_a_command_too_long_to_sign_whole_is_refused(self):
        # a signature over the first 3,000 bytes proves nothing of the
        # rest: nothing is sent, the person is told why
        s = self.start_sim()
        lg = self.sign_login(s)
        self.long_command(lg)
        self.assertEqual(self.run_login(lg, "alice"), "PAM_SERVICE_ERR")
        self.assert_no_request(s)
        self.decision(lg, "command too long to sign")
        self.assert_log_names(lg, "sudo_sign:", "3000 bytes")
        self.assertIn("too long to be signed", " ".join(self.shown(lg).split()))
        self.assertEqual(self.records(), [])


class AuditToolTest(SudoSignCase):

    def signed(self):
        s = self.start_sim()
        lg = self.sign_login(s)
        self.assertEqual(self.approve(s, lg), "PAM_SUCCESS")
        ref = self.only_order(s)["orderRef"]
        return s, lg, ref, os.path.join(self.audit, self.records()[0])

    def tamper(self, path, change):
        with open(path) as f:
            rec = json.load(f)
        change(rec)
        with open(path, "w") as f:
            json.dump(rec, f)

    def test_audit_lists_the_records_with_the_number_masked(self):
        s, lg, ref, _ = self.signed()
        p = self.audit_tool(lg, s)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("user=alice", p.stdout)
        self.assertIn("order=" + ref, p.stdout)
        self.assertIn("********" + PNR[-4:], p.stdout)
        self.assertNotIn(PNR, p.stdout)
        self.assertIn('command="%s"' % COMMAND, p.stdout)
        self.assertIn("1 record in", p.stdout)

    def test_audit_verifies_a_record_by_its_order(self):
        s, lg, ref, _ = self.signed()
        p = self.audit_tool(lg, s, ref[:8])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("FAILED", p.stdout)
        for check in ("signed text (usrVisibleData) is the text recorded",
                      "SignatureValue verifies",
                      "personal number in the signer's certificate",
                      "chains to signer_ca",
                      "OCSP response status is successful",
                      "certificate is good"):
            self.assertIn(check, p.stdout)
        self.assertIn("not checked: XML canonicalisation", p.stdout)
        self.assertIn("%s: verified" % ref, p.stdout)

    def test_audit_without_signer_ca_says_no_root_was_checked(self):
        # without a root, a record signed with any self-made certificate
        # verifies as well: the verdict must not read as a full one
        s, lg, ref, _ = self.signed()
        with open(lg.conf) as f:
            conf = f.read()
        with open(lg.conf, "w") as f:
            f.write("".join(l for l in conf.splitlines(True)
                            if not l.startswith("signer_ca")))
        p = self.audit_tool(lg, s, ref)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("not checked: that the signer's certificate chains",
                      p.stdout)
        self.assertIn("%s: verified, but not against a BankID root "
                      "(no signer_ca)" % ref, p.stdout)

    def test_audit_reports_a_changed_command(self):
        s, lg, ref, path = self.signed()
        self.tamper(path, lambda r: r.update(command="-v true"))
        p = self.audit_tool(lg, s, ref)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAILED: the signed text names the host, user, remote "
                      "host and command recorded", p.stdout)
        self.assertIn("verification FAILED", p.stdout)

    def test_audit_reports_a_changed_host(self):
        # a record moved to another host's name is not what was signed
        s, lg, ref, path = self.signed()
        self.tamper(path, lambda r: r.update(host="elsewhere"))
        p = self.audit_tool(lg, s, ref)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAILED: the signed text names the host, user, remote "
                      "host and command recorded", p.stdout)

    def test_audit_reports_a_changed_ocsp_byte(self):
        s, lg, ref, path = self.signed()

        def flip(rec):
            der = bytearray(base64.b64decode(rec["ocspResponse"]))
            # a digit of producedAt (GeneralizedTime, 15 bytes): the
            # response still parses, its signature no longer holds
            at = der.index(b"\x18\x0f") + 2 + 13
            der[at] = ord("0") + (der[at] - ord("0") + 1) % 10
            rec["ocspResponse"] = base64.b64encode(bytes(der)).decode()
        self.tamper(path, flip)
        p = self.audit_tool(lg, s, ref)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAILED: the OCSP response is signed", p.stdout)

    def test_audit_reports_a_changed_signed_text(self):
        s, lg, ref, path = self.signed()
        self.tamper(path, lambda r: r.update(userVisibleData=base64.b64encode(
            b"Signed sudo on x\nUser: alice (from local)\nCommand: sudo "
            b"-v true").decode(), command="-v true"))
        p = self.audit_tool(lg, s, ref)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAILED: the signed text (usrVisibleData) is the text "
                      "recorded", p.stdout)

    def test_audit_never_trusts_a_signer_ca_others_can_write(self):
        # whoever could add a root there could make a forged record verify
        s, lg, ref, _ = self.signed()
        self.assertEqual(self.audit_tool(lg, s, ref).returncode, 0)
        os.chmod(os.path.join(self.base, "signer-ca.pem"), 0o666)
        p = self.audit_tool(lg, s, ref)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("FAILED: signer_ca loads", p.stdout)
        self.assertIn("writable by group or other", p.stderr)
        self.assertIn("verification FAILED", p.stdout)
        p = subprocess.run([tool(), "check", "-c", lg.conf],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("problem: signer_ca does not load", p.stdout)

    def test_audit_without_a_record_for_the_order(self):
        s, lg, ref, _ = self.signed()
        p = self.audit_tool(lg, s, "00000000-0000")
        self.assertEqual(p.returncode, 3, p.stdout + p.stderr)
        p = self.audit_tool(lg, s, "abc")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)


class CheckTest(SudoSignCase):

    def test_check_reports_sudo_sign_and_the_audit_dir(self):
        s = self.start_sim()
        lg = self.sign_login(
            s, usermap="alice bankid:%s\nbob passbyme:bob@example.com\n"
            % PNR)
        p = subprocess.run([tool(), "check", "-c", lg.conf],
                           capture_output=True, text=True, timeout=30)
        self.assertIn("policy: sudo_sign = yes (sudo signs its command with "
                      "BankID; records kept in %s)" % self.audit, p.stdout)
        lines = p.stdout.splitlines()
        bob = [l for l in lines if l.startswith("user bob:")]
        alice = [l for l in lines if l.startswith("user alice:")]
        self.assertIn("cannot sign", bob[0])
        self.assertNotIn("cannot sign", alice[0])

    def test_check_finds_an_audit_dir_others_could_swap(self):
        s = self.start_sim()
        lg = self.sign_login(s)
        p = subprocess.run([tool(), "check", "-c", lg.conf],
                           capture_output=True, text=True, timeout=30)
        self.assertIn("%s: made (mode 0700) at the first signed sudo"
                      % self.audit, p.stdout)
        self.assertNotIn("%s: problem" % self.audit, p.stdout)
        os.makedirs(self.audit, mode=0o700)
        os.chmod(os.path.dirname(self.audit), 0o777)
        p = subprocess.run([tool(), "check", "-c", lg.conf],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("%s: problem: the audit directory" % self.audit,
                      p.stdout)
