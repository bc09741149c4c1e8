"""Test helpers for mobileid-sim, the BankID RP API v6 simulator (stdlib only).

    from sim import Sim, certs, qr_code
    with Sim(certs(), start_failed_ms=2000) as s:
        st, o = s.api("auth", {"endUserIp": "127.0.0.1"})
        s.scan(qr_code(o["qrStartToken"], o["qrStartSecret"], 0), delay_ms=0)
"""
import hashlib
import hmac
import http.client
import json
import math
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time

import safedir

_LIB = os.path.dirname(os.path.abspath(__file__))


def source_dir():
    return os.environ.get("MID_SOURCE_DIR") or os.path.dirname(os.path.dirname(_LIB))


def build_dir():
    return os.environ.get("MID_BUILD_DIR") or os.path.join(source_dir(), "build")


def sim_binary(name="mobileid-sim"):
    return os.path.join(build_dir(), "tests", "sim", name)


def certs(dir=None):
    """Creates (once) the throwaway test PKI and returns its directory: in
    the build tree, or under safedir.BASE when a directory above the build
    tree is not root's alone (the module would refuse the files there)."""
    d = dir
    if not d:
        d = os.path.join(build_dir(), "tests", "certs")
        if not safedir.is_safe(build_dir()):
            key = hashlib.sha256(d.encode()).hexdigest()[:12]
            d = os.path.join(safedir.base(), "certs-" + key)
    # the marker mkcerts.sh writes last (its name changes with the set)
    if not os.path.exists(os.path.join(d, ".done-2")):
        subprocess.run(["sh", os.path.join(_LIB, "mkcerts.sh"), d], check=True)
    return d


def qr_code(token, secret, qr_time):
    """BankID animated-QR payload for an integer qrTime (seconds since the order)."""
    t = str(int(qr_time))
    mac = hmac.new(secret.encode(), t.encode(), hashlib.sha256).hexdigest()
    return "bankid.%s.%s.%s" % (token, t, mac)


class Order:
    """An auth/sign response plus the time it arrived, to compute live QR codes."""

    def __init__(self, body):
        self.body = body
        self.t0 = time.monotonic()
        self.ref = body.get("orderRef")

    def qr(self, qr_time=None):
        if qr_time is None:
            qr_time = math.floor(time.monotonic() - self.t0)
        return qr_code(self.body["qrStartToken"], self.body["qrStartSecret"], qr_time)


class Sim:
    """Runs mobileid-sim on ephemeral ports for the duration of a test.

    timings: the simulator's options with '_' for '-', e.g. start_failed_ms,
    expire_ms, or qr_max_age_s (how many whole seconds a scanned QR frame
    may lag the order's age before the scan is refused as stale, 409;
    default 5, BankID's own tolerance is undocumented)."""

    BINARY = "mobileid-sim"
    API_PREFIX = "/rp/v6.0/"

    def __init__(self, certdir=None, cert="server.pem", key="server.key",
                 client_ca="clientca.pem", verbose=False, host="localhost",
                 **timings):
        self.certdir = certdir or certs()
        self.cert, self.key, self.client_ca = cert, key, client_ca
        self.verbose = verbose
        self.host = host
        self.timings = timings
        self.proc = None
        self.tmp = None
        self.api_port = self.control_port = None
        self.api_url = self.control_url = None
        self.log_path = None
        self.start()

    # ---- lifecycle ----
    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="mobileid-sim.")
        port_file = os.path.join(self.tmp, "ports.json")
        self.log_path = os.path.join(self.tmp, "sim.log")
        cmd = [sim_binary(self.BINARY),
               "--cert", os.path.join(self.certdir, self.cert),
               "--key", os.path.join(self.certdir, self.key),
               "--port-file", port_file]
        if self.client_ca:
            cmd += ["--client-ca", os.path.join(self.certdir, self.client_ca)]
        for k, v in self.timings.items():
            cmd += ["--" + k.replace("_", "-"), str(int(v))]
        if self.verbose:
            cmd.append("--verbose")
        log = open(self.log_path, "wb")
        import logarchive  # it imports this module
        env = dict(os.environ, MOBILEID_SIM_SECRETS=logarchive.secrets_file())
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     env=env)
        log.close()
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(self.BINARY + " did not start: " + self.log())
            time.sleep(0.02)
        with open(port_file) as f:
            ports = json.load(f)
        self.api_port, self.control_port = ports["api"], ports["control"]
        self.api_url = "https://%s:%d%s" % (self.host, self.api_port,
                                            self.API_PREFIX)
        self.control_url = "http://127.0.0.1:%d/" % self.control_port
        self.wait_for(lambda: self._ctl("GET", "/health")[0] == 200, 10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- control API ----
    def _ctl(self, method, path, obj=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.control_port, timeout=timeout)
        try:
            body = json.dumps(obj) if obj is not None else None
            headers = {"Content-Type": "application/json"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data)
            except ValueError:
                return r.status, data
        except OSError:
            return 0, None
        finally:
            conn.close()

    def _ok(self, method, path, obj=None):
        st, body = self._ctl(method, path, obj)
        if st != 200:
            raise RuntimeError("control %s %s -> %s %r" % (method, path, st, body))
        return body

    def health(self):
        return self._ctl("GET", "/health")[0] == 200

    def orders(self):
        return self._ok("GET", "/orders")["orders"]

    def order(self, ref):
        return self._ok("GET", "/orders/" + ref)

    def requests(self):
        return self._ok("GET", "/requests")["requests"]

    def connections(self):
        return self._ok("GET", "/connections")["connections"]

    def stats(self):
        return self._ok("GET", "/stats")

    def reset(self):
        return self._ok("POST", "/reset")

    def tls_forget(self):
        """New TLS ticket keys: the tickets handed out are refused."""
        return self._ok("POST", "/tls/forget")

    def tls_break_resumption(self):
        """Until reset: a handshake offering our ticket is aborted."""
        return self._ok("POST", "/tls/break-resumption")

    def fault(self, mode, endpoint="*", count=0, **kw):
        spec = {"mode": mode, "endpoint": endpoint, "count": count}
        spec.update(kw)
        return self._ok("POST", "/fault", spec)

    def scan(self, qr, action="approve", delay_ms=1000, personalNumber=None):
        obj = {"qr": qr, "action": action, "delay_ms": delay_ms}
        if personalNumber:
            obj["personalNumber"] = personalNumber
        return self._ctl("POST", "/phone/scan", obj)

    def open(self, pno, action="approve", delay_ms=1000, completePersonalNumber=None):
        obj = {"personalNumber": pno, "action": action, "delay_ms": delay_ms}
        if completePersonalNumber:
            obj["completePersonalNumber"] = completePersonalNumber
        return self._ctl("POST", "/phone/open", obj)

    def lapse(self, ref):
        """Ends the start window of an outstanding order now: it turns
        failed/startFailed as the clock would at start_failed_ms, so a
        test need not race that clock; returns (status, reply)."""
        return self._ctl("POST", "/orders/%s/lapse" % ref)

    def wait_for(self, predicate, timeout=10, interval=0.05):
        deadline = time.monotonic() + timeout
        while True:
            v = predicate()
            if v:
                return v
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met within %ss" % timeout)
            time.sleep(interval)

    # ---- RP side (HTTPS with a client certificate) ----
    def ssl_context(self, client="client", ca="ca.pem"):
        ctx = ssl.create_default_context(cafile=os.path.join(self.certdir, ca))
        if client:
            ctx.load_cert_chain(os.path.join(self.certdir, client + ".pem"),
                                os.path.join(self.certdir, client + ".key"))
        return ctx

    def connect(self, client="client", timeout=10):
        """A persistent HTTPSConnection (keep-alive) to the API port."""
        return http.client.HTTPSConnection(self.host, self.api_port, timeout=timeout,
                                           context=self.ssl_context(client))

    def api(self, path, obj, client="client", content_type="application/json",
            method="POST", raw=None, conn=None, timeout=10, headers=None):
        """One API request; returns (status, parsed JSON or raw bytes).

        path is relative to the API prefix (/rp/v6.0/) unless it starts
        with "/"; headers: more request headers."""
        own = conn is None
        if own:
            conn = self.connect(client, timeout)
        full = path if path.startswith("/") else self.API_PREFIX + path
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else None)
        headers = dict(headers or {})
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, full, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        finally:
            if own:
                conn.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data

    def start_auth(self, client="client", **fields):
        """POST auth and return an Order (raises on non-200)."""
        fields.setdefault("endUserIp", "127.0.0.1")
        st, body = self.api("auth", fields, client=client)
        if st != 200:
            raise RuntimeError("auth -> %s %r" % (st, body))
        return Order(body)
