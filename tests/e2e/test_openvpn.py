"""VPN: an OpenVPN 2.6 server with openvpn-plugin-auth-pam.so (deferred
auth) and a client with auth-user-pass on loopback; the built module takes
the qr = off path (BankID phone/auth), approved through the simulator's phone."""

import time
import unittest

import e2elib as L

REST = "account required pam_permit.so\n"


class OpenVPNE2E(L.E2ECase):
    @classmethod
    def setUpClass(cls):
        L.skip_unless_openvpn()
        cls.user = "mide2evpn"          # need not exist locally: the module maps by PAM_USER
        cls.stack = L.Stack({cls.user: L.PNR}, qr="off", timeout=60)
        cls.server = L.OpenVPNServer(cls.stack.pam_line() + REST, hand_window=90)
        cls.pam = "/etc/pam.d/" + cls.server.service

    def setUp(self):
        self.stack.sim.reset()
        L.write_file(self.pam, self.stack.pam_line() + REST)

    def connect(self, action, name):
        c = self.server.client(self.user)
        self.addCleanup(c.stop)
        orders = self.stack.wait_orders(1, 20)
        time.sleep(1.5)                      # let the module collect a while first
        p = self.stack.phone_open(L.PNR, action, delay_ms=300)
        rc, out = L.phone_wait(p, 60)
        self.assertEqual(rc, 0, out)
        try:
            return c.wait_result(40), orders
        finally:
            self.dump("ovpn-%s-client.log" % name, c.log())
            self.dump("ovpn-%s-server.log" % name, self.server.log())

    def test_approve_tunnel_up(self):
        res, _ = self.connect("approve", "approve")
        self.assertEqual(res, "up")
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        o = orders[0]
        self.assertEqual(o["kind"], "phone/auth")
        self.assertEqual(o["callInitiator"], "RP")
        self.assertEqual(o["status"], "complete")
        self.assertEqual(o["personalNumber"], L.PNR)
        self.assertIsNone(o["endUserIp"])      # phone/auth carries no endUserIp
        gaps = L.collect_gaps(o)
        self.assertTrue(gaps and min(gaps) >= 900, gaps)
        self.assertIn("deferred auth", self.server.log())

    def test_deny_auth_failed(self):
        res, _ = self.connect("deny", "deny")
        self.assertEqual(res, "auth_failed")
        orders = self.stack.orders()
        self.assertEqual(len(orders), 1, orders)
        self.assertEqual(orders[0]["status"], "failed")
        self.assertEqual(orders[0]["hintCode"], "userCancel")


if __name__ == "__main__":
    unittest.main()
