"""Safe HTTP fetching for URL imports and --fetch-full.

Built on http.client so every limit is ours:
- only http/https, checked before any I/O and again for every redirect target;
- a connect timeout, a per-read timeout and a TOTAL deadline enforced by a watchdog that
  shuts the socket down (a server dripping one byte a second is cut);
- a cap on the bytes received (Content-Length checked first) and on the DEcompressed size
  (gzip/deflate bombs);
- redirects followed up to a limit, loops detected;
- a clear User-Agent; offline, DNS failures and HTTP errors become InputError;
- the usual proxy settings (``http_proxy``/``https_proxy``/``no_proxy``, as curl and
  Python's urllib read them): http URLs go to the proxy in absolute form, https URLs
  through a CONNECT tunnel (TLS stays end to end); ``user:password@`` in the proxy URL is
  sent as Basic proxy authorisation. Loopback addresses never go through a proxy.
"""
from __future__ import annotations

import base64
import http.client
import socket
import urllib.request
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote, urljoin, urlsplit

from clipper.errors import InputError
from clipper.importers.urls import FETCHABLE_SCHEMES, url_origin, url_scheme

USER_AGENT = "Clipper/0.1 (+news clipping manager)"
REDIRECT_CODES = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024


class NotModified(InputError):
    """A conditional request was answered 304 Not Modified (see ``fetch(headers=...)``)."""


@dataclass
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str  # "text/html" (lower-case, no parameters)
    charset: str | None  # from the Content-Type header
    body: bytes  # decompressed
    headers: dict[str, str] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)


def _mb(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    return f"{n} bytes"


def check_url(url: str) -> None:
    """Refuse anything that is not an absolute http(s) URL, before any I/O."""
    scheme = url_scheme(url)
    if scheme not in FETCHABLE_SCHEMES:
        shown = scheme + ":" if scheme else "relative or unknown"
        raise InputError(f"{url}: only http and https URLs can be imported ({shown} refused)")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InputError(f"{url}: not a valid URL") from None
    if not host:
        raise InputError(f"{url}: URL has no host")


def _parse_content_type(value: str) -> tuple[str, str | None]:
    msg = Message()
    msg["content-type"] = value or "application/octet-stream"
    ctype = msg.get_content_type().lower()
    charset = msg.get_param("charset")
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return ctype, (str(charset).strip().strip('"').lower() or None) if charset else None


class _Watchdog:
    """Shuts a connection's socket down when the total deadline passes."""

    def __init__(self, seconds: float):
        self.fired = False
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, conn: http.client.HTTPConnection | None) -> None:
        with self._lock:
            self._conn = conn
            if self.fired:
                self._kill()

    def _kill(self) -> None:
        conn = self._conn
        sock = getattr(conn, "sock", None) if conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._kill()

    def cancel(self) -> None:
        self._timer.cancel()


class _Decoder:
    """Streams gzip/deflate decompression with a cap on the output size."""

    def __init__(self, encoding: str, limit: int, url: str):
        self.limit = limit
        self.url = url
        self.size = 0
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header
        else:
            raise InputError(f"{url}: unsupported Content-Encoding {encoding!r}")
        self.parts: list[bytes] = []

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise InputError(f"{self.url}: decompressed page larger than the {_mb(self.limit)} limit")
        self.parts.append(data)

    def feed(self, data: bytes) -> None:
        if self._z is None:
            self._add(data)
            return
        try:
            while data:
                out = self._z.decompress(data, self.limit - self.size + 1)
                self._add(out)
                data = self._z.unconsumed_tail
        except zlib.error:
            raise InputError(f"{self.url}: damaged compressed response") from None

    def finish(self) -> bytes:
        if self._z is not None:
            try:
                self._add(self._z.flush())
            except zlib.error:
                raise InputError(f"{self.url}: damaged compressed response") from None
        return b"".join(self.parts)


def fetch(
    url: str,
    *,
    timeout: float = 20.0,
    connect_timeout: float | None = None,
    max_bytes: int = 20 * 1024 * 1024,
    max_decompressed: int | None = None,
    max_redirects: int = 5,
    user_agent: str = USER_AGENT,
    private_ok: bool = True,
    trusted_origin: str = "",
    accept: str = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
    headers: dict[str, str] | None = None,
) -> FetchResult:
    """GET ``url`` within every limit, following redirects. Raises InputError.

    ``headers``: extra request headers (e.g. If-None-Match / If-Modified-Since for a
    conditional refresh); a 304 Not Modified answer to those is a result (empty body).
    ``private_ok`` False (a URL named inside a document, not by the user): every hop must
    resolve to a public address, unless it is on ``trusted_origin`` (the server that
    served the document, itself named by the user)."""
    extra_headers = dict(headers or {})
    check_url(url)
    if not private_ok:
        check_public(url, trusted_origin)
    connect_timeout = min(timeout, connect_timeout if connect_timeout is not None else 10.0)
    max_decompressed = max_decompressed if max_decompressed is not None else max_bytes
    deadline = time.monotonic() + timeout
    watchdog = _Watchdog(timeout)
    watchdog.start()
    original = url
    seen = {url}
    redirects: list[str] = []
    try:
        while True:
            status, headers, body = _get_once(
                url, original, watchdog, deadline, timeout, connect_timeout, max_bytes, max_decompressed, user_agent, accept,
                extra_headers
            )
            if status in REDIRECT_CODES:
                location = headers.get("location", "").strip()
                if not location:
                    raise InputError(f"{original}: redirect ({status}) without a Location")
                target = urljoin(url, location)
                scheme = url_scheme(target)
                if scheme not in FETCHABLE_SCHEMES:
                    raise InputError(f"{original}: redirect to a {scheme or 'non-http'}: URL refused ({target[:80]})")
                check_url(target)
                if not private_ok:
                    check_public(target, trusted_origin)
                if target in seen:
                    raise InputError(f"{original}: redirect loop (at {target})")
                if len(redirects) >= max_redirects:
                    raise InputError(f"{original}: more than {max_redirects} redirects")
                seen.add(target)
                redirects.append(target)
                url = target
                continue
            if status == 304 and extra_headers:
                return FetchResult(url=url, status=status, content_type="", charset=None, body=b"", headers=headers,
                                   redirects=redirects)
            if status >= 400:
                reason = http.client.responses.get(status, "error")
                raise InputError(f"{original}: server answered HTTP {status} {reason}")
            if status != 200 and status != 203:
                raise InputError(f"{original}: unexpected HTTP status {status}")
            ctype, charset = _parse_content_type(headers.get("content-type", ""))
            return FetchResult(url=url, status=status, content_type=ctype, charset=charset, body=body, headers=headers, redirects=redirects)
    finally:
        watchdog.cancel()


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _blocked_address(ip) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or getattr(ip, "is_site_local", False))


def check_public(url: str, trusted_origin: str = "") -> None:
    """Refuse a URL named inside a document when its host is, or resolves to, a loopback,
    private, link-local or otherwise non-public address (a list or an export must not make
    Clipper probe the user's own network). The host is resolved here; through a proxy,
    only names and literal addresses are checked (the proxy resolves)."""
    import ipaddress

    if trusted_origin and url_origin(url) == trusted_origin:
        return
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    refused = InputError(f"{url}: refused: a loopback or private address named inside a document "
                         "(import that URL yourself to fetch it)")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise refused
    try:
        if _blocked_address(ipaddress.ip_address(host)):
            raise refused
        return
    except ValueError:
        pass  # a name, not a literal address
    if proxy_for(url) is not None:
        return
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return  # the fetch itself reports the name that does not resolve
    for info in infos:
        try:
            ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        except ValueError:
            continue
        if _blocked_address(ip):
            raise refused


@dataclass
class Proxy:
    host: str
    port: int
    authorization: str | None = None  # the Proxy-Authorization header value

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def proxy_for(url: str) -> Proxy | None:
    """The proxy the environment asks for ``url`` (None: connect directly)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or host in _LOOPBACK or host.startswith("127."):
        return None
    proxy = urllib.request.getproxies_environment().get(parts.scheme.lower())
    if not proxy or urllib.request.proxy_bypass_environment(host):
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    p = urlsplit(proxy)
    if p.scheme.lower() != "http" or not p.hostname:
        raise InputError(f"proxy {proxy!r}: only http:// proxies are supported")
    try:
        port = p.port or 80
    except ValueError:
        raise InputError(f"proxy {proxy!r}: bad port") from None
    auth = None
    if p.username is not None:
        user_pass = f"{unquote(p.username)}:{unquote(p.password or '')}".encode()
        auth = "Basic " + base64.b64encode(user_pass).decode("ascii")
    return Proxy(p.hostname, port, auth)


def _connection(parts, host, port, proxy: Proxy | None, timeout: float):
    """An unconnected connection to the server, or to the proxy in front of it."""
    https = parts.scheme.lower() == "https"
    if proxy is None:
        if https:
            return http.client.HTTPSConnection(host, port, timeout=timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(host, port, timeout=timeout)
    if https:
        conn = http.client.HTTPSConnection(proxy.host, proxy.port, timeout=timeout,
                                           context=ssl.create_default_context())
        headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
        conn.set_tunnel(host, port or 443, headers=headers)
        return conn
    return http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)


def _get_once(url, original, watchdog, deadline, timeout, connect_timeout, max_bytes, max_decompressed, user_agent, accept,
              extra_headers=None):
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise InputError(f"{original}: timed out after {timeout:g} s")
    proxy = proxy_for(url)
    via = f" through proxy {proxy}" if proxy is not None else ""
    conn = _connection(parts, host, port, proxy, min(connect_timeout, remaining))
    if proxy is not None and parts.scheme.lower() == "http":
        path = url.split("#", 1)[0]  # absolute form: the proxy fetches it
    watchdog.watch(conn)
    try:
        try:
            conn.connect()
            watchdog.watch(conn)  # the socket exists now
            if conn.sock is not None:
                conn.sock.settimeout(max(0.05, min(timeout, deadline - time.monotonic())))
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.putheader("User-Agent", user_agent)
            conn.putheader("Accept", accept)
            conn.putheader("Accept-Encoding", "gzip, deflate")
            for name, value in (extra_headers or {}).items():
                conn.putheader(name, value)
            if proxy is not None and proxy.authorization and parts.scheme.lower() == "http":
                conn.putheader("Proxy-Authorization", proxy.authorization)
            conn.putheader("Connection", "close")
            conn.endheaders()
            resp = conn.getresponse()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            status = resp.status
            if status in REDIRECT_CODES or status >= 400 or status == 304:
                return status, headers, b""
            length = headers.get("content-length", "").strip()
            if length.isdigit() and int(length) > max_bytes:
                raise InputError(f"{original}: page larger than the {_mb(max_bytes)} import limit")
            decoder = _Decoder(headers.get("content-encoding", ""), max_decompressed, original)
            received = 0
            while True:
                if time.monotonic() > deadline or watchdog.fired:
                    raise InputError(f"{original}: timed out after {timeout:g} s")
                chunk = resp.read1(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    raise InputError(f"{original}: page larger than the {_mb(max_bytes)} import limit")
                decoder.feed(chunk)
            if watchdog.fired:
                raise InputError(f"{original}: timed out after {timeout:g} s")
            return status, headers, decoder.finish()
        except InputError:
            raise
        except socket.gaierror:
            name = proxy.host if proxy is not None else host
            raise InputError(f"{original}: cannot resolve host {name!r}{via} (offline or unknown name)") from None
        except (socket.timeout, TimeoutError):
            raise InputError(f"{original}: timed out after {timeout:g} s") from None
        except ssl.SSLError as exc:
            raise InputError(f"{original}: TLS error ({exc.reason or exc})") from None
        except ConnectionRefusedError:
            raise InputError(f"{original}: connection refused by {proxy if proxy is not None else host}"
                             f"{' (the proxy)' if proxy is not None else ''}") from None
        except http.client.IncompleteRead:
            if watchdog.fired:
                raise InputError(f"{original}: timed out after {timeout:g} s") from None
            raise InputError(f"{original}: the server closed the connection mid-page") from None
        except (http.client.HTTPException, OSError) as exc:
            if watchdog.fired or time.monotonic() > deadline:
                raise InputError(f"{original}: timed out after {timeout:g} s") from None
            why = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
            raise InputError(f"{original}: network error{via} ({why})") from None
    finally:
        conn.close()
