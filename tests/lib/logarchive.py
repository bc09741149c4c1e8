"""Every log line the test suite catches from the module, kept for one
check at the end of the ctest run (tests/pam/test_logs_hold_no_secrets.py,
ctest logs_hold_no_secrets, which runs after every test that writes here).

    logarchive.keep("pam", lines)      # a test's captured log lines
    logarchive.directory()             # where they go (also for programs)

The directory is <build>/tests/logs; ctest empties it first (fixture
mid_logs). Each process appends to its own file, so parallel tests never
interleave. The simulator adds the qrStartSecret of every order it makes
(MOBILEID_SIM_SECRETS, one file per simulator)."""
import os

import sim


def directory():
    d = os.path.join(sim.build_dir(), "tests", "logs")
    os.makedirs(d, exist_ok=True)
    return d


def keep(source, lines):
    """Appends lines (strings) to this process's file for source."""
    lines = [l for l in lines if l]
    if not lines:
        return
    path = os.path.join(directory(), "%s-%d.log" % (source, os.getpid()))
    with open(path, "a", encoding="utf-8", errors="replace") as f:
        for l in lines:
            f.write(l.rstrip("\n") + "\n")


def secrets_file():
    """Where a simulator started now writes the secrets it hands out."""
    return os.path.join(directory(), "sim-secrets-%d-%d.txt"
                        % (os.getpid(), _next()))


_counter = [0]


def _next():
    _counter[0] += 1
    return _counter[0]
