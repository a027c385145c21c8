"""The offline portal: a real HTTP server on 127.0.0.1 that answers for the real portal hosts.

Crawlers reach it as an HTTP proxy (absolute request URIs for http, CONNECT then TLS with a
throw-away certificate for https), so the URLs they fetch and archive are the real sites' URLs.
It can also be browsed directly with a `Host` header. A portal marked dead gets its connections
closed without an answer, as a site that is down does. With a latency (`replica/scale.py`), each
host waits its own time before each answer; each connection has its own thread, so a slow host
holds up only its own requests.

For a benchmark, the portal can serve from processes of its own (`serve_in_processes`: several
processes accept on one listening socket), so that serving does not share the crawler's
interpreter lock, and append every request it receives to a log file (`request_log`) with the
moment it arrived: the crawl's politeness as the servers saw it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import signal
import socketserver
import ssl
import tempfile
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from crawler.portals import bare_host

from .platforms.model import Request
from .site import Replica, build_replica
from .validators import etag as page_etag
from .validators import not_modified

CHUNK = 8192  # nginx's default gzip buffer size
NOT_FOUND = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
    "<body><div class=\"error\"><h1>404</h1><p>抱歉,您访问的页面不存在或已被删除!</p>"
    "<p><a href=\"/\">返回首页</a></p></div></body></html>"
).encode("utf-8")
NOT_ALLOWED = (
    b"<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n"
    b"<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class HostCertificates:
    """The TLS context of each host's tunnel, with a fresh self-signed certificate naming that host
    (and its www. name) only, made on the host's first CONNECT: crawlers do not verify it, as Scrapy
    does not. One certificate naming every host would not do for a scaled replica: thousands of
    names (70 KB), which a client's OpenSSL keeps parsed with each open connection (some 0.5 MB a
    connection), so a crawler's memory would grow with its open https connections as it does with
    no real site."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str) -> ssl.SSLContext:
        host = bare_host(host)
        with self._lock:
            if host not in self.contexts:
                self.contexts[host] = self.context_for((host, "www." + host))
            return self.contexts[host]

    def context_for(self, names) -> ssl.SSLContext:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import NameOID

        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nianbao offline portal")])
        now = datetime.now(timezone.utc)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        folder = Path(tempfile.mkdtemp(prefix="nianbao-tls-"))
        (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / "key.pem").write_bytes(
            self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        finally:  # the context holds them now: leave no key behind in /tmp
            shutil.rmtree(folder, ignore_errors=True)
        return context


class PortalHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    tunnel_host: str | None = None

    def log_message(self, format, *args):  # the request log is kept in memory, not on stderr
        pass

    @property
    def replica(self) -> Replica:
        return self.server.replica

    def do_CONNECT(self):
        host = self.path.rsplit(":", 1)[0]
        self.server.log(("CONNECT", self.path))
        if bare_host(host) in self.replica.dead_hosts:
            self.close_connection = True
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.connection = self.server.tls(host).wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb", -1)
        self.wfile = socketserver._SocketWriter(self.connection)
        self.tunnel_host = host
        self.close_connection = False  # an HTTP/1.0 CONNECT still keeps its tunnel open

    def target(self) -> tuple[str, str, str]:
        """(url, host, path) of the request, whether sent to a proxy, a tunnel or directly."""
        if self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            return self.path, parts.hostname or "", parts.path or "/"
        host = self.tunnel_host or (self.headers.get("Host") or "").split(":")[0]
        scheme = "https" if self.tunnel_host else "http"
        return f"{scheme}://{host}{self.path}", host, urlsplit(self.path).path or "/"

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_POST(self):
        """Scripts' list requests (Hanweb's dataproxy.jsp, Fujian's search API) are POSTs; a POST
        to a static page gets nginx's 405, as on the real sites."""
        url, host, path = self.target()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.log(("POST", url))
        if bare_host(host) in self.replica.dead_hosts:
            self.close_connection = True
            return
        self.wait_as(host)
        endpoint = self.replica.endpoints.get((bare_host(host), path))
        if endpoint:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
            page = endpoint(Request("POST", self.query_of(url), form))
            return self.reply(page.status, page.body, page.content_type)
        if bare_host(host) not in self.replica.hosts:
            return self.reply(502, b"offline portal: no such host in the replica\n", "text/plain; charset=utf-8")
        if (bare_host(host), path) in self.replica.pages:
            return self.reply(405, NOT_ALLOWED, "text/html")
        return self.reply(404, NOT_FOUND, "text/html; charset=utf-8")

    def wait_as(self, host: str) -> None:
        """The time this host's server takes to answer (none unless the portal has a latency)."""
        if self.server.latency:
            time.sleep(self.server.latency(host))

    @staticmethod
    def query_of(url: str) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}

    def do_GET(self, head: bool = False):
        url, host, path = self.target()
        self.server.log((self.command, url))
        if bare_host(host) in self.replica.dead_hosts:
            self.close_connection = True  # no answer at all
            return
        self.wait_as(host)
        hostile = self.replica.hostile_route(bare_host(host), path)
        if hostile:
            return hostile(self, self.replica.pages.get((bare_host(host), path)), path)
        if bare_host(host) not in self.replica.hosts:
            return self.reply(502, b"offline portal: no such host in the replica\n", "text/plain; charset=utf-8", head)
        endpoint = self.replica.endpoints.get((bare_host(host), path))
        if endpoint:
            page = endpoint(Request(self.command, self.query_of(url), {}))
            return self.reply(page.status, page.body, page.content_type, head)
        page = self.replica.pages.get((bare_host(host), path))
        if page is None:
            return self.reply(404, NOT_FOUND, "text/html; charset=utf-8", head)
        etag = page_etag(page.body, page.last_modified)
        if page.status == 200 and not_modified(self.headers, etag, page.last_modified):
            return self.reply(304, b"", page.content_type, head, page.last_modified, etag)
        cookies = session_cookies(host) if path == "/" else ()
        self.reply(page.status, page.body, page.content_type, head, page.last_modified, etag, cookies)

    def reply(self, status, body, content_type, head=False, last_modified=None, etag=None, cookies=()):
        """Answer as the portals' nginx does: gzip on the fly for text, sent chunked (the compressed
        length is not known in advance); deflate for a client that asks only for it, as IIS does."""
        encoding = None
        accepted = self.headers.get("Accept-Encoding", "")
        if content_type.startswith("text/") and len(body) > 512:
            if "gzip" in accepted:
                body, encoding = gzip.compress(body, mtime=0), "gzip"
            elif "deflate" in accepted:
                body, encoding = zlib.compress(body), "deflate"
        chunked = encoding == "gzip"
        self.send_response(status)
        if status == 304:  # no body, and the validators only (RFC 9110 §15.4.5)
            if etag:
                self.send_header("ETag", etag)
            if last_modified:
                self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "keep-alive")
        for cookie in cookies:  # one header line each, as servers send them
            self.send_header("Set-Cookie", cookie)
        if encoding:
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Content-Encoding", encoding)
        if last_modified:
            self.send_header("Last-Modified", last_modified)
        if etag:
            self.send_header("ETag", etag)
        if not chunked:
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if head:
            return
        if not chunked:
            self.wfile.write(body)
            return
        for start in range(0, len(body), CHUNK):  # nginx flushes its output buffers in pieces
            piece = body[start:start + CHUNK]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")


def session_cookies(host: str) -> tuple[str, str]:
    """What the portals' load balancer and application server set on a first visit to the home page."""
    server = hashlib.sha1(bare_host(host).encode()).hexdigest()[:32]
    session = hashlib.sha1(b"session:" + host.encode()).hexdigest()[:32].upper()
    return (f"SERVERID={server}|1700000000|1700000000;Path=/", f"JSESSIONID={session}; Path=/; HttpOnly")


class PortalServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, replica: Replica, latency=None, request_log: str | None = None):
        super().__init__(address, PortalHandler)
        self.replica = replica
        self.latency = latency  # host → seconds before each answer (replica.scale.HostLatency)
        self.tls = HostCertificates()
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.request_log, self._log_file = request_log, None

    def get_request(self):
        # accepted connections block, whatever the listening socket does (see serve_in_processes)
        connection, address = self.socket.accept()
        connection.setblocking(True)
        return connection, address

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a crawler stopping an oversized body, a crawl killed
        or ending) is what a web server lives with, not an error of the portal: only other
        exceptions get socketserver's traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLEOFError, TimeoutError)):
            super().handle_error(request, client_address)

    def log(self, entry: tuple[str, str]) -> None:
        arrived = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
        with self._lock:
            self.requests.append(entry)
            if self.request_log:
                self.append_to_log(arrived, *entry)

    def append_to_log(self, arrived: float, method: str, url: str) -> None:
        """One line per request, one write each: with O_APPEND, processes sharing the file never
        interleave their lines. Opened in each process (a forked one gets a file of its own)."""
        if self._log_file is None or self._log_file[0] != os.getpid():
            self._log_file = (os.getpid(), open(self.request_log, "a", encoding="utf-8", buffering=1))
        self._log_file[1].write(f"{arrived:.6f}\t{method}\t{url}\n")


def read_request_log(path) -> list[tuple[float, str, str]]:
    """(monotonic time it arrived, method, URL) of every request a portal logged, in time order."""
    out = []
    for line in Path(path).read_text("utf-8").splitlines():
        arrived, method, url = line.split("\t", 2)
        out.append((float(arrived), method, url))
    return sorted(out)


def serve_in_processes(server: PortalServer, processes: int) -> list[int]:
    """Fork `processes - 1` more processes that accept on the server's listening socket (bound
    already) and serve until killed; their ids. Each dies with its parent (PR_SET_PDEATHSIG), so a
    killed parent leaves none behind."""
    import ctypes

    children = []
    if processes > 1:
        # every process's select() wakes for each connection, one accept() takes it: a blocking
        # accept() in the others would wait for the next connection, and a stopping portal whose
        # serving thread waits there never stops. Non-blocking, the losers go back to select().
        server.socket.setblocking(False)
    for _ in range(processes - 1):
        pid = os.fork()
        if pid:
            children.append(pid)
            continue
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
            server.serve_forever()
        finally:
            os._exit(0)
    return children


def stop_processes(children: list[int]) -> None:
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


class OfflinePortal:
    """Start and stop the replica: `with OfflinePortal() as portal: … portal.proxy_url …`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, replica: Replica | None = None, latency=None,
                 request_log: str | None = None, processes: int = 1):
        self.server = PortalServer((host, port), replica or build_replica(), latency, request_log)
        self.processes, self.children = processes, []
        self.thread = threading.Thread(target=self.server.serve_forever, name="offline-portal", daemon=True)

    @property
    def proxy_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def replica(self) -> Replica:
        return self.server.replica

    @property
    def requests(self) -> list[tuple[str, str]]:
        return list(self.server.requests)

    def start(self) -> "OfflinePortal":
        self.children = serve_in_processes(self.server, self.processes)  # before any thread: fork-safe
        self.thread.start()
        return self

    def stop(self) -> None:
        stop_processes(self.children)
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
