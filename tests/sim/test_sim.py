"""mobileid-sim against BankID's behaviour (doc/bankid.md, tests/sim/README.md) and its fault modes."""
import base64
import hashlib
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from sim import Sim, certs, qr_code  # noqa: E402

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PNO = "199001011239"
PNO2 = "198103229871"
PNO3 = "191212121212"
SIM = None


def setUpModule():
    global SIM
    SIM = Sim(certs())


def tearDownModule():
    if SIM:
        SIM.stop()


def b64(s):
    return base64.b64encode(s.encode()).decode()


def pno_valid(p):
    if not re.fullmatch(r"\d{12}", p):
        return False
    total = 0
    for i, c in enumerate(p[2:]):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


class Base(unittest.TestCase):
    sim = None

    def setUp(self):
        if self.sim is None:
            self.sim = SIM
        self.sim.reset()

    def tearDown(self):
        self.assertTrue(self.sim.alive(), "simulator died:\n" + self.sim.log())

    def collect(self, ref, client="client", conn=None):
        return self.sim.api("collect", {"orderRef": ref}, client=client, conn=conn)

    def assert_error(self, resp, status, code, details=None):
        st, body = resp
        self.assertEqual(st, status, body)
        self.assertEqual(body["errorCode"], code, body)
        if details is not None:
            self.assertEqual(body["details"], details, body)

    def wait_status(self, ref, status, timeout=5):
        def check():
            st, body = self.collect(ref)
            return body if st == 200 and body["status"] == status else None
        return self.sim.wait_for(check, timeout, 0.05)


class TestFlows(Base):
    def test_qr_helper_matches_official_vector(self):
        self.assertEqual(
            qr_code("67df3917-fa0d-44e5-b327-edcc928297f8",
                    "d28db9a7-4cde-429e-a983-359be676944c", 0),
            "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0."
            "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8")

    def test_auth_scan_collect_completes_with_full_completion_data(self):
        o = self.sim.start_auth(userVisibleData=b64("Log in to host1"))
        for k in ("orderRef", "autoStartToken", "qrStartToken", "qrStartSecret"):
            self.assertRegex(o.body[k], UUID4)
        self.assertEqual(len({o.body[k] for k in o.body}), 4)
        st, c = self.collect(o.ref)
        self.assertEqual((st, c), (200, {"orderRef": o.ref, "status": "pending",
                                         "hintCode": "outstandingTransaction"}))
        st, r = self.sim.scan(o.qr(), delay_ms=300)
        self.assertEqual((st, r), (200, {"orderRef": o.ref}))
        st, c = self.collect(o.ref)
        self.assertEqual(c["hintCode"], "userSign")
        c = self.wait_status(o.ref, "complete")
        self.assertNotIn("hintCode", c)
        cd = c["completionData"]
        self.assertEqual(set(cd), {"user", "device", "bankIdIssueDate", "signature",
                                   "ocspResponse"})
        self.assertEqual(set(cd["user"]), {"personalNumber", "name", "givenName", "surname"})
        self.assertTrue(pno_valid(cd["user"]["personalNumber"]))
        self.assertEqual(cd["user"]["name"],
                         cd["user"]["givenName"] + " " + cd["user"]["surname"])
        self.assertEqual(set(cd["device"]), {"ipAddress", "uhi"})
        self.assertEqual(cd["bankIdIssueDate"], "2023-11-29Z")
        xml = base64.b64decode(cd["signature"], validate=True).decode()
        self.assertIn(b64("Log in to host1"), xml)
        base64.b64decode(cd["ocspResponse"], validate=True)
        od = self.sim.order(o.ref)
        self.assertEqual((od["status"], od["via"], od["kind"]), ("complete", "qr", "auth"))
        self.assertEqual(od["userVisibleData"], "Log in to host1")
        self.assertEqual(od["scans"][0]["result"], "ok")
        self.assertEqual(od["client"], "FP Testcert pam_mobileid")
        self.assertGreaterEqual(od["collects"], 3)
        self.assertIsNotNone(od["final_ms"])

    def test_stepup_and_risk_only_when_asked(self):
        o = self.sim.start_auth(requirement={"mrtd": True, "personalNumber": PNO},
                                returnRisk=True)
        self.sim.scan(o.qr(), delay_ms=0)
        cd = self.wait_status(o.ref, "complete")["completionData"]
        self.assertEqual(cd["stepUp"], {"mrtd": True})
        self.assertEqual(cd["risk"], "low")
        self.assertEqual(cd["user"]["personalNumber"], PNO)

    def test_deny_gives_user_cancel(self):
        o = self.sim.start_auth()
        self.assertEqual(self.sim.scan(o.qr(), action="deny", delay_ms=0)[0], 200)
        c = self.wait_status(o.ref, "failed")
        self.assertEqual(c["hintCode"], "userCancel")
        self.assertNotIn("completionData", c)

    def test_hold_stays_in_user_sign_until_open_answers(self):
        o = self.sim.start_auth(requirement={"personalNumber": PNO})
        self.sim.scan(o.qr(), action="hold")
        time.sleep(0.3)
        self.assertEqual(self.collect(o.ref)[1]["hintCode"], "userSign")
        st, _ = self.sim.open(PNO, delay_ms=0)
        self.assertEqual(st, 200)
        self.wait_status(o.ref, "complete")

    def test_scan_rejects_bad_hmac_unknown_token_future_time_and_rescan(self):
        o = self.sim.start_auth()
        token, secret = o.body["qrStartToken"], o.body["qrStartSecret"]
        bad = qr_code(token, "not-the-secret", 0)
        self.assertEqual(self.sim.scan(bad), (403, {"error": "bad hmac"}))
        self.assertEqual(self.sim.scan(qr_code(token, secret, 7)), (409, {"error": "stale"}))
        self.assertEqual(self.sim.scan(qr_code(secret, secret, 0)),
                         (404, {"error": "unknown token"}))
        self.assertEqual(self.sim.scan("bankid.x.y")[0], 400)
        self.assertEqual(self.sim.scan(o.qr(), action="hold")[0], 200)
        self.assertEqual(self.sim.scan(o.qr())[0], 410)
        results = [s["result"] for s in self.sim.order(o.ref)["scans"]]
        self.assertEqual(results, ["bad hmac", "stale", "ok", "gone"])

    def test_same_pno_gives_already_in_progress_and_cancels_older(self):
        o = self.sim.start_auth(requirement={"personalNumber": PNO})
        r = self.sim.api("auth", {"endUserIp": "127.0.0.1",
                                   "requirement": {"personalNumber": PNO}})
        self.assert_error(r, 400, "alreadyInProgress", "Order already in progress for pno")
        st, c = self.collect(o.ref)
        self.assertEqual((c["status"], c["hintCode"]), ("failed", "cancelled"))
        self.assertEqual(len(self.sim.orders()), 1)
        # Phone orders share the per-person lock.
        st, p = self.sim.api("phone/auth", {"personalNumber": PNO2, "callInitiator": "RP"})
        self.assertEqual(st, 200)
        self.assert_error(self.sim.api("sign", {
            "endUserIp": "::1", "userVisibleData": b64("x"),
            "requirement": {"personalNumber": PNO2}}), 400, "alreadyInProgress")
        self.assertEqual(self.collect(p["orderRef"])[1]["hintCode"], "cancelled")
        # Once the older order is final, a new one for that person works.
        self.sim.start_auth(requirement={"personalNumber": PNO})

    def test_lapse_ends_the_start_window_of_an_outstanding_order_only(self):
        o = self.sim.start_auth(requirement={"personalNumber": PNO})
        picked = self.sim.start_auth()
        self.assertEqual(self.sim.scan(picked.qr(), action="hold")[0], 200)
        self.assertEqual(self.sim.lapse(o.ref), (200, {"orderRef": o.ref}))
        st, c = self.collect(o.ref)
        self.assertEqual((st, c["status"], c["hintCode"]), (200, "failed", "startFailed"))
        od = self.sim.order(o.ref)
        self.assertFalse(od["cancelled"])
        self.assertGreaterEqual(od["final_ms"], od["created_ms"])
        # its QR code is no use now, and the person may start a new order
        self.assertEqual(self.sim.scan(o.qr())[0], 410)
        self.sim.start_auth(requirement={"personalNumber": PNO})
        # only an order nobody picked up lapses; twice is once
        self.assertEqual(self.sim.lapse(picked.ref)[0], 410)
        self.assertEqual(self.collect(picked.ref)[1]["hintCode"], "userSign")
        self.assertEqual(self.sim.lapse(o.ref)[0], 410)
        self.assertEqual(self.sim.lapse("9a1b4c5d-0000-4000-8000-000000000000")[0], 404)
        self.assertEqual(self.sim._ctl("POST", "/orders/%s/lapsed" % o.ref)[0], 404)

    def test_cancel_then_collect_is_no_such_order_and_second_cancel_fails(self):
        o = self.sim.start_auth()
        self.assertEqual(self.sim.api("cancel", {"orderRef": o.ref}), (200, {}))
        self.assert_error(self.collect(o.ref), 400, "invalidParameters", "No such order")
        self.assert_error(self.sim.api("cancel", {"orderRef": o.ref}), 400,
                          "invalidParameters")
        self.assert_error(self.sim.api("cancel", {"orderRef": "not-a-uuid"}), 400,
                          "invalidParameters")
        od = self.sim.order(o.ref)
        self.assertTrue(od["cancelled"])
        self.assertEqual([r["status"] for r in od["requests"]], [200, 200, 400, 400])
        # A final order cannot be cancelled either.
        o2 = self.sim.start_auth()
        self.sim.scan(o2.qr(), delay_ms=0)
        self.wait_status(o2.ref, "complete")
        self.assert_error(self.sim.api("cancel", {"orderRef": o2.ref}), 400,
                          "invalidParameters")
        self.assertEqual(self.sim.stats()["pending"], 0)

    def test_phone_auth_open_completes_via_pno(self):
        st, b = self.sim.api("phone/auth", {"personalNumber": PNO, "callInitiator": "user",
                                            "userVisibleData": b64("phone")})
        self.assertEqual(st, 200)
        self.assertEqual(set(b), {"orderRef"})
        self.assertEqual(self.sim.open(PNO3)[0], 404)
        self.assertEqual(self.sim.open(PNO, delay_ms=0)[0], 200)
        c = self.wait_status(b["orderRef"], "complete")
        self.assertEqual(c["completionData"]["user"]["personalNumber"], PNO)
        od = self.sim.order(b["orderRef"])
        self.assertEqual((od["kind"], od["via"], od["callInitiator"]),
                         ("phone/auth", "pno", "user"))

    def test_sign_evidence_verifies_with_openssl_alone(self):
        """The signature and OCSP response are real: checked here with the
        openssl command, not with the module's code (bankid_sign.c)."""
        text = "Signed sudo on h\nUser: alice (from local)\nCommand: sudo id"
        st, b = self.sim.api("phone/sign", {"personalNumber": PNO, "callInitiator": "RP",
                                            "userVisibleData": b64(text)})
        self.assertEqual(st, 200, b)
        self.assertEqual(self.sim.open(PNO, delay_ms=0)[0], 200)
        cd = self.wait_status(b["orderRef"], "complete")["completionData"]
        xml = base64.b64decode(cd["signature"]).decode()
        part = lambda tag: re.search(r"<%s[ >].*?</%s>" % (tag, tag), xml, re.S).group(0)
        inner = lambda tag: re.search(r"<%s[^>]*>(.*?)</%s>" % (tag, tag), xml, re.S).group(1)
        self.assertEqual(base64.b64decode(inner("usrVisibleData")).decode(), text)
        self.assertIn("<funcId>Signing</funcId>", xml)
        self.assertEqual(base64.b64decode(inner("DigestValue")),
                         hashlib.sha256(part("bankIdSignedData").encode()).digest())
        certs_b64 = re.findall(r"<X509Certificate>(.*?)</X509Certificate>", xml)
        self.assertEqual(len(certs_b64), 2)
        with tempfile.TemporaryDirectory() as d:
            def put(name, data):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
                return os.path.join(d, name)

            def pem(der_b64):
                return ("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
                        % der_b64).encode()
            user, ca = put("user.pem", pem(certs_b64[0])), put("ca.pem", pem(certs_b64[1]))
            _, served = self.sim._ctl("GET", "/signer-ca")
            self.assertEqual("".join(l for l in served["pem"].splitlines()
                                     if not l.startswith("-----")), certs_b64[1])
            run = lambda *a: subprocess.run(list(a), capture_output=True, text=True)
            r = run("openssl", "x509", "-in", user, "-noout", "-subject", "-nameopt", "RFC2253")
            self.assertIn("serialNumber=%s" % PNO, r.stdout)
            r = run("openssl", "verify", "-CAfile", ca, user)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            run("openssl", "x509", "-in", user, "-pubkey", "-noout", "-out",
                os.path.join(d, "pub.pem"))
            r = run("openssl", "dgst", "-sha256", "-verify", os.path.join(d, "pub.pem"),
                    "-signature", put("sig.bin", base64.b64decode(inner("SignatureValue"))),
                    put("info.xml", part("SignedInfo").encode()))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            r = run("openssl", "ocsp", "-respin", put("ocsp.der", base64.b64decode(cd["ocspResponse"])),
                    "-CAfile", ca, "-issuer", ca, "-cert", user)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Response verify OK", r.stdout + r.stderr)
            self.assertIn(": good", r.stdout)

    def test_complete_as_other_person_on_request(self):
        o = self.sim.start_auth()
        self.sim.scan(o.qr(), delay_ms=0, personalNumber=PNO3)
        c = self.wait_status(o.ref, "complete")
        self.assertEqual(c["completionData"]["user"]["personalNumber"], PNO3)
        st, s = self.sim.api("sign", {"endUserIp": "10.0.0.1",
                                      "userVisibleData": b64("Sign åäö"),
                                      "requirement": {"personalNumber": PNO2}})
        self.assertEqual(self.sim.open(PNO2, delay_ms=0, completePersonalNumber=PNO)[0], 200)
        c = self.wait_status(s["orderRef"], "complete")
        self.assertEqual(c["completionData"]["user"]["personalNumber"], PNO)
        self.assertEqual(self.sim.order(s["orderRef"])["userVisibleData"], "Sign åäö")

    def test_orders_bound_to_client_cert(self):
        o = self.sim.start_auth()
        self.assert_error(self.collect(o.ref, client="client2"), 400, "invalidParameters",
                          "No such order")
        self.assert_error(self.sim.api("cancel", {"orderRef": o.ref}, client="client2"),
                          400, "invalidParameters", "No such order")
        self.assertEqual(self.collect(o.ref)[1]["status"], "pending")
        o2 = self.sim.start_auth(client="client2")
        self.assertEqual(self.sim.order(o2.ref)["client"], "Second RP")


class TestHttp(Base):
    def test_method_media_type_and_path_errors(self):
        self.assert_error(self.sim.api("auth", None, method="GET"), 405, "methodNotAllowed")
        self.assert_error(self.sim.api("collect", {}, method="PUT"), 405, "methodNotAllowed")
        for ct in ("application/json; charset=UTF-8", "text/plain", None,
                   "application/json;charset=utf-8", "Application/JSON"):
            self.assert_error(self.sim.api("auth", {"endUserIp": "1.2.3.4"},
                                           content_type=ct), 415, "unsupportedMediaType")
        self.assert_error(self.sim.api("payment", {}), 404, "notFound")
        self.assert_error(self.sim.api("/rp/v5.1/auth", {}), 404, "notFound")
        self.assert_error(self.sim.api("/", {}, method="GET"), 404, "notFound")
        reqs = self.sim.requests()
        self.assertEqual([r["status"] for r in reqs], [405, 405] + [415] * 5 + [404] * 3)
        self.assertEqual(reqs[2]["content_type"], "application/json; charset=UTF-8")
        self.assertEqual(reqs[0]["errorCode"], "methodNotAllowed")

    def test_validation_errors_have_real_details(self):
        ip = "127.0.0.1"
        cases = [
            ("auth", {}, "Invalid endUserIp"),
            ("auth", {"endUserIp": ""}, "Invalid endUserIp"),
            ("auth", {"endUserIp": "999.1.1.1"}, "Invalid endUserIp"),
            ("auth", {"endUserIp": 17}, "Invalid endUserIp"),
            ("auth", {"endUserIp": ip, "requirement": {"personalNumber": "199001011238"}},
             "Incorrect personalNumber"),
            ("auth", {"endUserIp": ip, "requirement": {"personalNumber": "199013011239"}},
             "Incorrect personalNumber"),
            ("auth", {"endUserIp": ip, "requirement": {"personalNumber": "9001011239"}},
             "Incorrect personalNumber"),
            ("auth", {"endUserIp": ip, "requirement": "x"}, "Invalid requirement"),
            ("auth", {"endUserIp": ip, "requirement": {"pinCode": "yes"}},
             "Invalid requirement"),
            ("auth", {"endUserIp": ip, "requirement": {"cardReader": "class3"}},
             "Invalid requirement"),
            ("auth", {"endUserIp": ip, "userVisibleData": "not base64!"},
             "Invalid userVisibleData"),
            ("auth", {"endUserIp": ip, "userVisibleData": "A" * 1504},
             "Invalid userVisibleData"),
            ("auth", {"endUserIp": ip, "userVisibleData": ""}, "Invalid userVisibleData"),
            ("sign", {"endUserIp": ip}, "Invalid userVisibleData"),
            ("sign", {"endUserIp": ip, "userVisibleData": "A" * 40004},
             "Invalid userVisibleData"),
            ("phone/auth", {"personalNumber": PNO, "callInitiator": "bank"},
             "Incorrect callInitiator"),
            ("phone/auth", {"personalNumber": PNO}, "Incorrect callInitiator"),
            ("phone/auth", {"callInitiator": "RP"}, "Incorrect personalNumber"),
            ("phone/sign", {"personalNumber": PNO, "callInitiator": "RP"},
             "Invalid userVisibleData"),
            ("collect", {}, "Invalid request"),
            ("collect", {"orderRef": 5}, "Invalid request"),
            ("collect", {"orderRef": "00000000-0000-4000-8000-000000000000"},
             "No such order"),
        ]
        for ep, body, details in cases:
            with self.subTest(ep=ep, body=str(body)[:60]):
                self.assert_error(self.sim.api(ep, body), 400, "invalidParameters", details)
        ok = [("auth", {"endUserIp": "::1"}),
              ("auth", {"endUserIp": "2001:db8::1", "userVisibleData": "A" * 1500,
                        "userVisibleDataFormat": "simpleMarkdownV1"}),
              ("sign", {"endUserIp": ip, "userVisibleData": "A" * 40000}),
              ("auth", {"endUserIp": ip, "requirement": {
                  "pinCode": True, "certificatePolicies": ["1.2.3.4.5"],
                  "personalNumber": "199001711234"}}),  # samordningsnummer, day+60
              ("phone/sign", {"personalNumber": PNO3, "callInitiator": "RP",
                              "userVisibleData": b64("x")})]
        for ep, body in ok:
            with self.subTest(ep=ep, ok=str(body)[:60]):
                self.assertEqual(self.sim.api(ep, body)[0], 200)

    def test_bad_bodies_are_rejected_and_server_stays_healthy(self):
        bodies = [b"", b"not json", b"[1,2]", b"{\"endUserIp\":", b"\xff\xfe{}",
                  b"[" * 100000, b"{\"a\":" * 50000, b"{} {}",
                  json.dumps({"endUserIp": "1.2.3.4", "pad": "x" * 300000}).encode()]
        for raw in bodies:
            with self.subTest(raw=raw[:20]):
                self.assert_error(self.sim.api("auth", None, raw=raw), 400,
                                  "invalidParameters")
        self.assertEqual(self.sim.api("auth", None, raw=b'{"endUserIp":"1.2.3.4"}\r\n')[0],
                         200)
        self.assertTrue(self.sim.health())

    def raw_tls(self, client="client"):
        sock = socket.create_connection(("localhost", self.sim.api_port), timeout=5)
        return self.sim.ssl_context(client).wrap_socket(sock, server_hostname="localhost")

    def read_all(self, s):
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ssl.SSLError, ConnectionError):
            pass
        return data

    def test_framing_abuse(self):
        body = b'{"endUserIp":"1.2.3.4"}'
        cases = [
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"end\r\n12\r\nUserIp\":\"1.2.3.4\"}"
             b"\r\n0\r\n\r\n", b"HTTP/1.1 200 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nContent-Type: application/json\r\n"
             b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", b"HTTP/1.1 400 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nContent-Type: application/json\r\n"
             b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", b"HTTP/1.1 400 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 23\r\nContent-Length: 24\r\n\r\n" + body, b"HTTP/1.1 400 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: -1\r\n\r\n", b"HTTP/1.1 400 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 99999999999999999999\r\n\r\n", b"HTTP/1.1 400 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
             b"HTTP/1.1 431 "),
            (b"POST /rp/v6.0/auth HTTP/1.1\r\n" + b"X: y\r\n" * 500 + b"\r\n",
             b"HTTP/1.1 431 "),
            (b"\x16\x03\x01garbage\r\n\r\n", b"HTTP/1.1 400 "),
        ]
        for req, want in cases:
            with self.subTest(req=req[:70]):
                s = self.raw_tls()
                s.sendall(req)
                self.assertTrue(self.read_all(s).startswith(want))
                s.close()
        # Content-Length longer than what arrives: the server waits, then we leave.
        s = self.raw_tls()
        s.sendall(b"POST /rp/v6.0/auth HTTP/1.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{}")
        s.close()
        self.assertTrue(self.sim.health())
        self.assertEqual(self.sim.api("auth", {"endUserIp": "1.2.3.4"})[0], 200)

    def test_keep_alive_and_pipelining_use_one_connection(self):
        conn = self.sim.connect()
        st, o = self.sim.api("auth", {"endUserIp": "1.2.3.4"}, conn=conn)
        for _ in range(3):
            self.assertEqual(self.collect(o["orderRef"], conn=conn)[0], 200)
        self.assertEqual(self.sim.api("cancel", {"orderRef": o["orderRef"]}, conn=conn)[0], 200)
        conn.close()
        od = self.sim.order(o["orderRef"])
        self.assertEqual(len(od["connections"]), 1)
        self.assertEqual(len({r["conn"] for r in od["requests"]}), 1)
        self.assertEqual(len(od["requests"]), 5)
        conns = self.sim.wait_for(
            lambda: [c for c in self.sim.connections()
                     if c["id"] == od["connections"][0] and c["t_close_ms"] is not None])
        self.assertEqual(conns[0]["requests"], 5)
        self.assertEqual(conns[0]["client"], "FP Testcert pam_mobileid")
        # Two pipelined requests in one write, the second asking to close.
        s = self.raw_tls()
        req = (b"POST /rp/v6.0/auth HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Type: application/json\r\nContent-Length: 23\r\n\r\n"
               b'{"endUserIp":"1.2.3.4"}')
        s.sendall(req + req.replace(b"Host: localhost\r\n",
                                    b"Host: localhost\r\nConnection: close\r\n"))
        data = self.read_all(s)
        s.close()
        self.assertEqual(data.count(b"HTTP/1.1 200 OK"), 2)
        self.assertIn(b"Connection: close", data)
        last = self.sim.requests()[-2:]
        self.assertEqual(last[0]["conn"], last[1]["conn"])

    def test_client_certificate_required_and_must_be_trusted(self):
        before = self.sim.stats()["handshake_failures"]
        for client in (None, "rogue"):
            with self.subTest(client=client):
                with self.assertRaises((ssl.SSLError, ConnectionError, OSError,
                                        http.client.HTTPException)):
                    self.sim.api("auth", {"endUserIp": "1.2.3.4"}, client=client)
        self.sim.wait_for(lambda: self.sim.stats()["handshake_failures"] == before + 2)
        self.assertEqual(self.sim.requests(), [])

    def test_stats_and_reset(self):
        o = self.sim.start_auth()
        self.collect(o.ref)
        s = self.sim.stats()
        self.assertEqual((s["orders"], s["pending"], s["requests"]), (1, 1, 2))
        self.assertGreaterEqual(s["connections"], 2)
        self.sim.fault("maintenance")
        self.sim.reset()
        self.assertEqual(self.sim.orders(), [])
        self.assertEqual(self.sim.requests(), [])
        self.assertEqual(self.sim.api("auth", {"endUserIp": "1.2.3.4"})[0], 200)


class TestFaults(Base):
    def auth(self, **kw):
        return self.sim.api("auth", {"endUserIp": "1.2.3.4"}, **kw)

    def test_error_status_faults_count_and_endpoint(self):
        self.sim.fault("maintenance", "auth", count=2)
        self.assert_error(self.auth(), 503, "maintenance")
        self.assert_error(self.auth(), 503, "maintenance")
        self.assertEqual(self.auth()[0], 200)
        self.sim.fault("internal", "collect", count=1)
        st, o = self.auth()
        self.assert_error(self.sim.api("collect", {"orderRef": o["orderRef"]}), 500,
                          "internalError")
        self.assertEqual(self.sim.api("collect", {"orderRef": o["orderRef"]})[0], 200)
        self.sim.fault("status", "*", count=1, status=429, body='{"errorCode":"tooMany"}')
        self.assertEqual(self.auth(), (429, {"errorCode": "tooMany"}))
        self.sim.fault("html403")
        st, body = self.auth()
        self.assertEqual(st, 403)
        self.assertIn(b"<html>", body)
        self.sim.fault("none")
        self.assertEqual(self.auth()[0], 200)
        reqs = self.sim.requests()
        self.assertEqual([r["status"] for r in reqs],
                         [503, 503, 200, 200, 500, 200, 429, 403, 200])
        self.assertEqual(reqs[0]["errorCode"], "maintenance")

    def test_body_faults(self):
        self.sim.fault("garbage", count=1)
        st, body = self.auth()
        self.assertEqual(st, 200)
        self.assertIsInstance(body, bytes)
        self.sim.fault("oversized", count=1, bytes=2000000)
        st, body = self.auth()
        self.assertEqual((st, len(body["orderRef"])), (200, 2000000 - len('{"orderRef":""}')))
        self.sim.fault("deepnest", count=1)
        conn = self.sim.connect()
        conn.request("POST", "/rp/v6.0/auth", body=b"{}",
                     headers={"Content-Type": "application/json"})
        raw = conn.getresponse().read()
        conn.close()
        self.assertEqual(raw, b"[" * 100000 + b"]" * 100000)
        self.sim.fault("wrongtype", count=1)
        st, body = self.auth()
        self.assertEqual((st, body["orderRef"], body["qrStartSecret"]), (200, 123, False))
        self.sim.fault("wrongtype", "collect", count=1)
        st, body = self.sim.api("collect", {"orderRef": "x"})
        self.assertEqual((body["orderRef"], body["status"]), (123, []))
        self.sim.fault("badutf8", count=1)
        st, body = self.auth()
        self.assertEqual(st, 200)
        with self.assertRaises(UnicodeDecodeError):
            body.decode("utf-8")
        self.assertEqual(self.sim.orders(), [])

    def test_timing_faults(self):
        self.sim.fault("slow", count=1, delay_ms=400)
        t = time.monotonic()
        self.assertEqual(self.auth()[0], 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.4)
        self.sim.fault("drip", count=1, delay_ms=2)
        t = time.monotonic()
        st, body = self.auth()
        self.assertEqual(st, 200)
        self.assertRegex(body["orderRef"], UUID4)
        self.assertGreaterEqual(time.monotonic() - t, 0.2)
        self.sim.fault("hang", "collect", count=1)
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.sim.api("collect", {"orderRef": body["orderRef"]}, timeout=0.7)
        hung = self.sim.order(body["orderRef"])["requests"][-1]
        self.assertEqual((hung["path"], hung["status"]), ("/rp/v6.0/collect", 0))
        self.sim.fault("close", count=1)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
            self.auth()
        self.assertEqual(self.auth()[0], 200)
        reqs = self.sim.requests()
        self.assertEqual([r["status"] for r in reqs], [200, 200, 0, 0, 200])
        self.assertEqual(reqs[2]["errorCode"], "hang")
        self.assertEqual(len(self.sim.orders()), 3)

    def test_mismatch_completes_as_someone_else(self):
        self.sim.fault("mismatch", "auth", count=1)
        o = self.sim.start_auth(requirement={"personalNumber": PNO})
        self.assertEqual(self.sim.scan(o.qr(), delay_ms=0)[0], 200)
        pno = self.wait_status(o.ref, "complete")["completionData"]["user"]["personalNumber"]
        self.assertNotEqual(pno, PNO)
        self.assertTrue(pno_valid(pno))
        o2 = self.sim.start_auth(requirement={"personalNumber": PNO})
        self.sim.scan(o2.qr(), delay_ms=0)
        c = self.wait_status(o2.ref, "complete")
        self.assertEqual(c["completionData"]["user"]["personalNumber"], PNO)

    def test_bad_fault_requests(self):
        self.assertEqual(self.sim._ctl("POST", "/fault", {"mode": "explode"})[0], 400)
        self.assertEqual(self.sim._ctl("POST", "/fault", {"mode": "slow",
                                                           "endpoint": "nope"})[0], 400)


class TestTimings(Base):
    """A second simulator with short timeouts for the clock-driven transitions."""

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(certs(), start_failed_ms=700, expire_ms=700, keep_complete_ms=900,
                      keep_failed_ms=1200, keep_timedout_ms=2000, qr_max_age_s=1)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_start_failed_expired_and_keep_windows(self):
        unpicked = self.sim.start_auth()
        held = self.sim.start_auth()
        done = self.sim.start_auth()
        self.sim.scan(held.qr(), action="hold")
        self.sim.scan(done.qr(), delay_ms=0)
        self.assertEqual(self.collect(done.ref)[1]["status"], "complete")
        time.sleep(0.8)
        self.assertEqual(self.collect(unpicked.ref)[1]["hintCode"], "startFailed")
        self.assertEqual(self.collect(held.ref)[1]["hintCode"], "expiredTransaction")
        self.assertEqual(self.sim.stats()["pending"], 0)
        time.sleep(0.4)  # t=1.2: complete (kept 0.9 s) is gone
        self.assert_error(self.collect(done.ref), 400, "invalidParameters", "No such order")
        self.assertEqual(self.collect(unpicked.ref)[0], 200)
        time.sleep(0.9)  # t=2.1: expired (kept 1.2 s after 0.7) gone, startFailed kept 2 s
        self.assert_error(self.collect(held.ref), 400, "invalidParameters", "No such order")
        self.assertEqual(self.collect(unpicked.ref)[0], 200)
        time.sleep(0.7)
        self.assert_error(self.collect(unpicked.ref), 400, "invalidParameters",
                          "No such order")
        self.assertEqual(len(self.sim.orders()), 3)

    def test_old_qr_is_stale(self):
        o = self.sim.start_auth()
        time.sleep(2.1)
        self.assertEqual(self.sim.scan(o.qr(0)), (409, {"error": "stale"}))
        self.assertEqual(self.sim.scan(o.qr())[0], 410)  # fresh code, but startFailed


if __name__ == "__main__":
    unittest.main()
