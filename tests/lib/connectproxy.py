"""A small HTTP CONNECT proxy on loopback for the proxy tests (stdlib only).

    with ConnectProxy() as p:                 # tunnels CONNECT host:port
        ... proxy = http://127.0.0.1:%d % p.port
        p.connects                            # ["localhost:4431", ...]

mode "tunnel" answers 200 and pipes bytes both ways; "deny" answers 403,
"auth" 407 and "badgateway" 502 without connecting anywhere; "silent"
reads the CONNECT and never answers; "mitm" answers 200 and then
speaks TLS itself with cert/key (a certificate that does not chain to the
provider's CA), as a proxy that inspects traffic would.
Anything but CONNECT gets 405: the module must never send a plain request.
"""
import select
import socket
import ssl
import threading

_REPLIES = {"deny": b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
            "auth": b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b"Proxy-Authenticate: Basic realm=\"proxy\"\r\n"
                    b"Content-Length: 0\r\n\r\n",
            "badgateway": b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"}
_MAX_HEAD = 8192


class ConnectProxy:

    def __init__(self, mode="tunnel", cert=None, key=None):
        self.mode = mode
        self.cert, self.key = cert, key
        self.connects = []      # the CONNECT targets, in order
        self.requests = []      # every request line, CONNECT or not
        self.tunnels = 0        # tunnels that carried bytes both ways
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._stop = True
        try:
            # wake accept()
            socket.create_connection(("127.0.0.1", self.port), 1).close()
        except OSError:
            pass
        self._thread.join(5)
        self._sock.close()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self._stop:
                conn.close()
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_head(self, conn):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < _MAX_HEAD:
            chunk = conn.recv(1024)
            if not chunk:
                return None
            head += chunk
        return head

    def _handle(self, conn):
        try:
            conn.settimeout(30)
            head = self._read_head(conn)
            if head is None:
                return
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            with self._lock:
                self.requests.append(line)
            parts = line.split()
            if len(parts) != 3 or parts[0] != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n"
                             b"Content-Length: 0\r\n\r\n")
                return
            with self._lock:
                self.connects.append(parts[1])
            if self.mode in _REPLIES:
                conn.sendall(_REPLIES[self.mode])
                return
            if self.mode == "mitm":
                self._mitm(conn)
                return
            if self.mode == "silent":
                while not self._stop and conn.recv(1024):
                    pass
                return
            host, _, port = parts[1].rpartition(":")
            try:
                up = socket.create_connection((host.strip("[]"), int(port)), 10)
            except (OSError, ValueError):
                conn.sendall(_REPLIES["badgateway"])
                return
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._pipe(conn, up)
        except OSError:
            pass
        finally:
            conn.close()

    def _mitm(self, conn):
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        try:
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass

    def _pipe(self, a, b):
        both = set()
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    both.add(s)
                    (b if s is a else a).sendall(data)
        finally:
            if len(both) == 2:
                with self._lock:
                    self.tunnels += 1
            b.close()
