"""The bound on logins starting at once (pam_mobileid/startgate.c, README
"Performance"): a login holds a turn of a root-only System V semaphore from
before its credentials until its first request is answered, gives it back
then, and the kernel gives it back when the process dies; a login without
a turn starts anyway after 3 s, unless the CPUs are the bottleneck; a
semaphore that is not root's alone with mode 0600 is never used. Through
libpam against mobileid-sim."""
import ctypes
import glob
import os
import re
import signal
import subprocess
import sys
import time
import unittest

from pamtest import PNR, PamCase

PER_CPU = 8   # STARTGATE_PER_CPU
BUSY_PER_CPU = 2   # STARTGATE_BUSY_PER_CPU
TURN_WAIT_S = 3    # STARTGATE_TURN_WAIT_MS
ANYWAY_LINE = "without a turn to start: starting anyway"
SETVAL = 16   # <sys/sem.h>


def turns():
    return PER_CPU * os.sysconf("SC_NPROCESSORS_ONLN")


class StartGateTest(PamCase):

    def gate_file(self, lg):
        files = glob.glob(os.path.join(lg.dir, "state", "gate-*"))
        self.assertEqual(len(files), 1, files)
        return files[0]

    def semid(self, lg):
        with open(self.gate_file(lg)) as f:
            return int(f.read().strip())

    def sem(self, semid):
        """(value, mode, owner uid) of a semaphore, as ipcs shows it."""
        out = subprocess.run(["ipcs", "-s", "-i", str(semid)], check=True,
                             capture_output=True, text=True).stdout
        value = re.search(r"^0\s+(\d+)\s", out, re.M).group(1)
        mode = re.search(r"mode=(\d+)", out).group(1)
        uid = re.search(r"\buid=(\d+)", out).group(1)
        return int(value), int(mode, 8) & 0o777, int(uid)

    def approved(self, lg, s):
        s.reset()
        self.approve_in_app(lg, s)

    def set_turns(self, semid, n):
        """Sets the free turns as if others held the rest (no semop, so
        the kernel wakes the waiters it can serve)."""
        libc = ctypes.CDLL(None, use_errno=True)
        self.assertEqual(libc.semctl(semid, 0, SETVAL, ctypes.c_int(n)), 0,
                         os.strerror(ctypes.get_errno()))

    def waiting(self, semid):
        """How many processes wait for a turn (ipcs' ncount)."""
        out = subprocess.run(["ipcs", "-s", "-i", str(semid)], check=True,
                             capture_output=True, text=True).stdout
        return int(re.search(r"^0\s+\d+\s+(\d+)\s", out, re.M).group(1))

    def queued_login(self, s):
        """A login (its gate made by a first one) queued for a turn while
        every turn is taken; returns (login, semid)."""
        lg = self.login(s)
        self.approved(lg, s)
        semid = self.semid(lg)
        self.set_turns(semid, 0)
        self.addCleanup(self.set_turns, semid, turns())
        s.reset()
        lg.start()
        s.wait_for(lambda: self.waiting(semid) == 1, 30)
        return lg, semid

    def approve_once_started(self, lg, s):
        s.wait_for(lambda: any(r["path"].endswith("/auth")
                               for r in s.requests()), 40)
        st, body = s.open(PNR, "approve", 0)
        self.assertEqual((st, self.finish(lg)), (200, "PAM_SUCCESS"), body)

    def hogs(self, n):
        """n processes that keep a CPU busy each until the test ends."""
        for _ in range(n):
            p = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            self.addCleanup(p.wait)
            self.addCleanup(p.kill)

    def test_a_login_without_a_turn_on_an_idle_host_starts_anyway(self):
        # the holders wait on a slow server, not on the CPUs: no reason
        # to queue behind them
        s = self.start_sim()
        lg, semid = self.queued_login(s)
        self.approve_once_started(lg, s)
        self.assert_log_names(lg, ANYWAY_LINE)
        self.assertEqual(self.sem(semid)[0], 0)

    def test_a_login_waits_on_for_its_turn_while_the_cpus_are_busy(self):
        # more starts would only slow the ones under way, and the logins
        # waiting for a phone: the rush is paced by what the host can do
        s = self.start_sim()
        self.hogs(BUSY_PER_CPU * os.cpu_count() + 2)
        lg, semid = self.queued_login(s)
        time.sleep(TURN_WAIT_S + 1)
        self.assertEqual(self.waiting(semid), 1)
        self.assertEqual(s.requests(), [])
        self.set_turns(semid, turns())
        self.approve_once_started(lg, s)
        self.assertNotIn(ANYWAY_LINE, "\n".join(self.module_log(lg)))

    def test_a_turn_is_held_while_starting_and_given_back(self):
        s = self.start_sim()
        lg = self.login(s)
        self.approved(lg, s)
        semid = self.semid(lg)
        self.assertEqual(self.sem(semid), (turns(), 0o600, 0))
        # once the order is open and its QR shown, the turn is back
        s.reset()
        lg.start()
        lg.wait_qr()
        self.assertEqual(self.sem(semid)[0], turns())
        st, body = s.open(PNR, "approve", 0)
        self.assertEqual((st, self.finish(lg)), (200, "PAM_SUCCESS"), body)
        # the first request never answered: the turn is held meanwhile
        s.reset()
        s.fault("hang", "auth", 1)
        lg.start()
        s.wait_for(lambda: any(r["path"].endswith("/auth")
                               for r in s.requests()), 10)
        self.assertEqual(self.sem(semid)[0], turns() - 1)
        # and the kernel gives it back when the process dies
        lg.proc.send_signal(signal.SIGKILL)
        lg.proc.wait()
        self.assertEqual(self.sem(semid)[0], turns())
        self.approved(lg, s)
        self.assertEqual(self.sem(semid)[0], turns())

    def test_a_semaphore_not_root_only_is_never_used(self):
        s = self.start_sim()
        lg = self.login(s)
        self.approved(lg, s)
        ours = self.semid(lg)
        out = subprocess.run(["ipcmk", "-S", "1", "-p", "0666"], check=True,
                             capture_output=True, text=True).stdout
        foreign = int(re.search(r"(\d+)\s*$", out).group(1))
        self.addCleanup(subprocess.run, ["ipcrm", "-s", str(foreign)])
        with open(self.gate_file(lg), "w") as f:
            f.write("%d\n" % foreign)
        self.approved(lg, s)
        new = self.semid(lg)
        self.assertNotEqual(new, foreign)
        self.assertEqual(self.sem(new), (turns(), 0o600, 0))
        self.assertEqual(self.sem(foreign)[:2], (0, 0o666))
        self.addCleanup(subprocess.run, ["ipcrm", "-s", str(ours)])


if __name__ == "__main__":
    unittest.main()
