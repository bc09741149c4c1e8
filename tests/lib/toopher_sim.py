"""Test helpers for toopher-sim, the Toopher API v1 simulator.

    from toopher_sim import ToopherSim
    with ToopherSim() as s:
        pid = s.new_pairing("alice")["id"]
        st, body = s.signed("POST", "authentication_requests/initiate",
                            {"pairing_id": pid, "terminal_name": "host1"})
        s.answer(pid, "grant")

signed() signs with python3-oauthlib, an implementation independent of
the module's oauth1.c, which the simulator verifies with.
"""
import os
import time
import urllib.parse

from oauthlib import oauth1

from sim import Sim, certs

KEY = "mobileid-test-key"
SECRET = "mobileid-test-secret"
PLACEMENTS = {
    "header": oauth1.SIGNATURE_TYPE_AUTH_HEADER,
    "query": oauth1.SIGNATURE_TYPE_QUERY,
    "body": oauth1.SIGNATURE_TYPE_BODY,
}


class ToopherSim(Sim):
    """toopher-sim on ephemeral ports: server-authenticated TLS only."""

    BINARY = "toopher-sim"
    API_PREFIX = "/v1/"

    def __init__(self, certdir=None, **kw):
        kw.setdefault("client_ca", None)
        super().__init__(certdir or certs(), **kw)

    # ---- the oracle ----
    def requests_made(self):
        """Every authentication request, with polls, params, timings."""
        return self._ok("GET", "/authentication_requests")["authentication_requests"]

    def pairings(self):
        return self._ok("GET", "/pairings")["pairings"]

    # ---- the virtual phone and the accounts ----
    def new_pairing(self, user_name, state="enabled"):
        return self._ok("POST", "/pairings", {"user_name": user_name, "state": state})

    def phone_pair(self, action="confirm", phrase=None, pairing_id=None, delay_ms=0):
        obj = {"action": action, "delay_ms": delay_ms}
        if phrase:
            obj["phrase"] = phrase
        if pairing_id:
            obj["pairing_id"] = pairing_id
        return self._ctl("POST", "/phone/pair", obj)

    def answer(self, pairing_id, action="grant", delay_ms=0, automated=False):
        return self._ctl("POST", "/phone/answer",
                         {"pairing_id": pairing_id, "action": action,
                          "delay_ms": delay_ms, "automated": automated})

    def automate(self, pairing_id, action="grant", immediate=False):
        return self._ok("POST", "/phone/automate",
                        {"pairing_id": pairing_id, "action": action,
                         "immediate": immediate})

    def pairing_state(self, pairing_id, state):
        return self._ok("POST", "/pairings/state",
                        {"pairing_id": pairing_id, "state": state})

    def user_state(self, name, disabled=False, otp="off"):
        return self._ok("POST", "/users/state",
                        {"name": name, "disabled": disabled, "otp": otp})

    def consumer(self, key, secret):
        return self._ok("POST", "/consumer", {"key": key, "secret": secret})

    def clock(self, offset_s):
        return self._ok("POST", "/clock", {"offset_s": int(offset_s)})

    def wait_polls(self, n, timeout=20):
        """Waits until the newest request was polled n times; returns it."""
        def polled():
            reqs = self.requests_made()
            return reqs and reqs[-1]["polls"] >= n and reqs[-1]
        return self.wait_for(polled, timeout)

    # ---- the requester side, signed with oauthlib ----
    def signed(self, method, endpoint, params=None, key=KEY, secret=SECRET,
               placement="header", nonce=None, timestamp=None, conn=None):
        """One signed API call; returns (status, parsed JSON or bytes)."""
        url = self.api_url + endpoint
        client = oauth1.Client(key, client_secret=secret,
                               signature_type=PLACEMENTS[placement],
                               nonce=nonce, timestamp=timestamp)
        form = urllib.parse.urlencode(params or {})
        headers = {}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            uri, headers, body = client.sign(url, method, form or None, headers)
        else:
            if form:
                url += "?" + form
            uri, headers, body = client.sign(url, method)
        return self.send(method, uri, headers, body, conn)

    def send(self, method, uri, headers, body, conn=None):
        """Sends an already signed request (headers as signed)."""
        u = urllib.parse.urlsplit(uri)
        target = u.path + ("?" + u.query if u.query else "")
        headers = dict(headers)
        ctype = headers.pop("Content-Type", None)
        return self.api(target, None, client=None, content_type=ctype,
                        method=method, raw=body, conn=conn, headers=headers)


def write_secret(path, secret=SECRET, mode=0o600):
    """A consumer secret file as the module wants it: root's, not other's."""
    with open(path, "w") as f:
        f.write(secret + "\n")
    os.chmod(path, mode)
    return path


def wait_until(pred, timeout=10, interval=0.05):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met within %ss" % timeout)
        time.sleep(interval)


def conf_text(s, usermap, secret_file, general=None, toopher=None):
    """A pam_mobileid.conf for toopher-sim s: [general] and [toopher]
    (None values are left out)."""
    gen = {"usermap": usermap, "timeout": 20, "qr": "animate"}
    gen.update(general or {})
    top = {"url": s.api_url, "ca": os.path.join(s.certdir, "ca.pem"),
           "consumer_key": KEY, "consumer_secret_file": secret_file}
    top.update(toopher or {})
    text = "[general]\n"
    text += "".join("%s = %s\n" % kv for kv in gen.items() if kv[1] is not None)
    text += "[toopher]\n"
    text += "".join("%s = %s\n" % kv for kv in top.items() if kv[1] is not None)
    return text
