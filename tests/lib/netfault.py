"""Servers that fail the way networks do, on 127.0.0.1 (stdlib only)."""
import socket
import threading
import time


class Blackhole:
    """A TCP port that drops SYNs: the listen queue (backlog 0) is already
    full, so a connect neither completes nor fails."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(0)
        self.port = self.srv.getsockname()[1]
        self.fill = []
        for _ in range(3):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self.fill.append(c)
        time.sleep(0.2)

    def url(self):
        return "https://127.0.0.1:%d/rp/v6.0/" % self.port

    def close(self):
        for c in self.fill + [self.srv]:
            c.close()


class SilentTls:
    """Accepts TCP and never says a word of TLS."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.port = self.srv.getsockname()[1]
        self.conns = []
        self.stop = False
        self.t = threading.Thread(target=self._accept, daemon=True)
        self.t.start()

    def _accept(self):
        self.srv.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.srv.accept()
                self.conns.append(c)
            except OSError:
                pass

    def url(self):
        return "https://127.0.0.1:%d/rp/v6.0/" % self.port

    def close(self):
        self.stop = True
        self.t.join()
        for c in self.conns + [self.srv]:
            c.close()


def closed_port():
    """A local TCP port nobody listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
