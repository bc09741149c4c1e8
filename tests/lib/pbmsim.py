"""Test helpers for passbyme-sim, the PassBy[ME] messaging API simulator.

    from pbmsim import PbmSim
    with PbmSim(certs()) as s:
        s.user("bob@example.com", answer="approve", answer_ms=500)
        st, m = s.send(["bob@example.com"])
        st, m = s.track(m["messageId"])
"""
import sim
from sim import certs  # noqa: F401  (re-exported for the tests)


class PbmSim(sim.Sim):
    """Runs passbyme-sim; the API is https://host:port/frontend/."""

    BINARY = "passbyme-sim"
    API_PREFIX = "/frontend/"

    # ---- the module's config section for this simulator ----
    def section(self, **over):
        sec = {"url": self.api_url,
               "cert": "%s/client.p12" % self.certdir,
               "password_file": "%s/client.pass" % self.certdir,
               "ca": "%s/ca.pem" % self.certdir}
        sec.update(over)
        return sec

    # ---- control: accounts, the phone, the oracle ----
    def user(self, user_id, account="ok", answer="ignore", as_=None,
             answer_ms=0):
        obj = {"userId": user_id, "account": account, "answer": answer,
               "answer_ms": answer_ms}
        if as_:
            obj["as"] = as_
        return self._ok("POST", "/users", obj)

    def phone(self, user_id, action="approve", as_=None, delay_ms=0):
        obj = {"userId": user_id, "action": action, "delay_ms": delay_ms}
        if as_:
            obj["as"] = as_
        return self._ctl("POST", "/phone", obj)

    def messages(self):
        return self._ok("GET", "/messages")["messages"]

    def message(self, message_id):
        return self._ok("GET", "/messages/" + message_id)

    # ---- the application side (HTTPS with a client certificate) ----
    def call(self, method, path, obj=None, version="1", **kw):
        """One API request with X-PBM-API-VERSION (None: without); path is
        relative to /frontend/ unless it starts with "/". Returns (status,
        parsed JSON or raw bytes)."""
        headers = {"X-PBM-API-VERSION": version} if version is not None else {}
        return self.api(path, obj, method=method, headers=headers, **kw)

    def send(self, recipients, subject="Login approval", body="Log in",
             availability=60, type="authorization", **kw):
        return self.call("POST", "messages",
                         {"recipients": recipients, "subject": subject,
                          "body": body, "availability": availability,
                          "type": type, "callbackUrl": None}, **kw)

    def track(self, message_id, **kw):
        return self.call("GET", "messages/" + message_id, **kw)

    def cancel(self, message_id, **kw):
        return self.call("DELETE", "messages/" + message_id, **kw)
