"""Signals during the life of an order (issue 9 §4): from before the order
is started until after it is cancelled, a signal that would end the host
(SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM) cancels the order at BankID
first and then reaches the host as it would have without the module: its
default action ends the process, its handler runs (in the host's own
thread), a signal the host blocks stays pending for it (sudo), one it
ignores stays ignored. pamhost (pamhost.c) is the host, run under libpam
with pam_wrapper like pamtester."""
import os
import re
import resource
import signal
import time
import unittest

from pamtest import PNR, PamCase  # noqa: I100 (sets the path)
import sim  # noqa: E402
from pamrun import PamLogin  # noqa: E402

ENDING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
          signal.SIGALRM)


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class HostLogin(PamLogin):
    """pamhost instead of pamtester: -b/-h/-i set the host's dispositions."""

    def __init__(self, s, host_args=(), **kw):
        super().__init__(s, **kw)
        self.host_args = [str(a) for a in host_args]
        self.preexec = no_core

    def command(self, user, rhost=None):
        host = os.path.join(sim.build_dir(), "tests", "pam", "pamhost")
        return [host] + self.host_args + [self.service, user]

    def report(self):
        """result, pending, handled, main from pamhost's last line."""
        m = re.search(r"result=(.*) pending=(\S*) handled=(\S*) main=(\d)",
                      self.err.decode("utf-8", "replace"))
        if not m:
            return None
        return {"result": m.group(1), "pending": m.group(2),
                "handled": m.group(3), "main": m.group(4) == "1"}


class SignalTest(PamCase):

    def host(self, s, host_args=(), **kw):
        general = {"timeout": 20}
        general.update(kw.pop("general", {}))
        lg = HostLogin(s, host_args, general=general, **kw)
        self.addCleanup(lg.close)
        return lg

    def wait_exit(self, lg, timeout=15):
        end = time.monotonic() + timeout
        while lg.proc.poll() is None:
            lg._drain()
            if time.monotonic() > end:
                self.fail("the host did not end:\n" + lg.err.decode()[-2000:])
            time.sleep(0.05)
        lg._drain()
        return lg.proc.returncode

    def started(self, s, lg, **kw):
        lg.start("alice", **kw)
        s.wait_for(lambda: s.orders(), 10)
        time.sleep(0.3)

    def test_default_action_ends_the_host_after_the_order_is_cancelled(self):
        for sig in ENDING:
            with self.subTest(signal=sig.name):
                s = self.start_sim()
                lg = self.host(s)
                self.started(s, lg)
                lg.signal(sig)
                self.assertEqual(self.wait_exit(lg), -sig)
                self.assert_cancelled(s, self.only_order(s))
                self.decision(lg, "interrupted")

    def test_host_handler_runs_once_in_the_host_thread_after_the_cancel(self):
        for sig in ENDING:
            with self.subTest(signal=sig.name):
                s = self.start_sim()
                lg = self.host(s, ["-h", int(sig)])
                self.started(s, lg)
                lg.signal(sig)
                self.assertEqual(self.wait_exit(lg), 1)
                rep = lg.report()
                self.assertEqual(rep["result"], "Authentication failure")
                self.assertEqual(rep["handled"], "%d*1," % sig)
                self.assertTrue(rep["main"], "a handler ran on our thread")
                self.assert_cancelled(s, self.only_order(s))
                self.decision(lg, "interrupted")

    def test_signal_the_host_blocks_cancels_and_stays_pending_like_sudo(self):
        for sig in (signal.SIGINT, signal.SIGQUIT):
            with self.subTest(signal=sig.name):
                s = self.start_sim()
                lg = self.host(s, ["-b", 2, "-b", 3, "-h", 2, "-h", 3])
                self.started(s, lg)
                lg.signal(sig)
                self.assertEqual(self.wait_exit(lg), 1)
                rep = lg.report()
                self.assertEqual(rep["pending"], "%d," % sig)
                self.assertEqual(rep["handled"], "")
                self.assert_cancelled(s, self.only_order(s))

    def test_signal_the_host_ignores_stays_ignored(self):
        s = self.start_sim()
        lg = self.host(s, ["-i", 2], general={"qr": "off"})
        self.started(s, lg)
        lg.signal(signal.SIGINT)
        time.sleep(0.5)
        st, body = s.open(PNR, "approve", 300)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.wait_exit(lg), 0)
        self.assertEqual(self.cancels(s), [])
        self.decision(lg, "approved")

    def test_signal_while_the_order_is_being_started_cancels_it(self):
        s = self.start_sim()
        s.fault("slow", "auth", 1, delay_ms=2000)
        lg = self.host(s)
        lg.start("alice")
        s.wait_for(lambda: s.requests() or s.connections(), 10)
        time.sleep(0.5)   # the auth request is on its way
        lg.signal(signal.SIGTERM)
        self.assertEqual(self.wait_exit(lg), -signal.SIGTERM)
        self.assert_cancelled(s, self.only_order(s))

    def test_prompt_mode_handler_runs_in_the_host_thread_after_the_cancel(self):
        s = self.start_sim()
        lg = self.host(s, ["-h", 15], general={"qr": "prompt"})
        self.started(s, lg, stdin=b"")
        lg.signal(signal.SIGTERM)
        # the order is cancelled while the host still waits for an answer
        s.wait_for(lambda: self.cancels(s), 10)
        self.assertIsNone(lg.proc.poll())
        lg.proc.stdin.close()   # the host's conversation ends
        self.assertEqual(self.wait_exit(lg), 1)
        rep = lg.report()
        self.assertEqual(rep["handled"], "15*1,")
        self.assertTrue(rep["main"], "a handler ran on our thread")
        self.assert_cancelled(s, self.only_order(s))
        self.decision(lg, "interrupted")


if __name__ == "__main__":
    unittest.main()
