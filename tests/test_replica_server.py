"""The offline portal over real HTTP: every real URL shape is served, as a proxy and through TLS."""

import gzip
import zlib
import http.client
import re
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from replica.server import OfflinePortal
from replica.site import real_rows


@pytest.fixture(scope="module")
def portal():
    with OfflinePortal() as running:
        yield running


def fetch(portal, url, headers=None):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": portal.proxy_url}))
    request = urllib.request.Request(url, headers=headers or {})
    with opener.open(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def fetch_tls(portal, url):
    parts = urlsplit(url)
    host, port = urlsplit(portal.proxy_url).hostname, urlsplit(portal.proxy_url).port
    conn = http.client.HTTPSConnection(host, port, timeout=10, context=ssl._create_unverified_context())
    conn.set_tunnel(parts.hostname, 443)
    conn.request("GET", parts.path)
    response = conn.getresponse()
    return response.status, response.read()


def test_every_real_district_report_url_is_served_with_its_wap_copy(portal):
    for row in real_rows():
        url = row["url"].replace("https://", "http://")
        status, _, body = fetch(portal, url)
        assert status == 200, url
        text = body.decode("utf-8")
        assert 'class="zwxl-article"' in text and "扫一扫在手机打开当前页" in text
        assert fetch(portal, re.sub(r"(_wap)?\.html$", "_wap.html", url))[2] == body


def test_https_portals_answer_through_connect(portal):
    status, body = fetch_tls(portal, "https://www.beibei.gov.cn/zwgk_239/zfxxgknb/bgs/202401/t20240129_12873528.html")
    assert status == 200 and "政府信息公开工作年度报告" in body.decode("utf-8")


def certificate_names(portal, host):
    """The DNS names of the certificate the portal's tunnel to `host` presents."""
    from cryptography import x509

    conn = http.client.HTTPSConnection(urlsplit(portal.proxy_url).hostname, urlsplit(portal.proxy_url).port,
                                       timeout=10, context=ssl._create_unverified_context())
    conn.set_tunnel(host, 443)
    conn.connect()
    try:
        der = conn.sock.getpeercert(binary_form=True)
    finally:
        conn.close()
    return x509.load_der_x509_certificate(der).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)


def test_each_https_host_has_a_certificate_naming_it_alone(portal):
    # one certificate naming every host (thousands in a scaled replica) costs a crawler some 0.5 MB
    # for each open connection: its OpenSSL keeps the peer's certificate parsed
    assert certificate_names(portal, "www.beibei.gov.cn") == ["beibei.gov.cn", "www.beibei.gov.cn"]
    assert certificate_names(portal, "beibei.gov.cn") == ["beibei.gov.cn", "www.beibei.gov.cn"]


def test_html_is_gzipped_and_chunked_for_clients_that_ask(portal):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": portal.proxy_url}))
    request = urllib.request.Request("http://www.hc.gov.cn/", headers={"Accept-Encoding": "gzip"})
    with opener.open(request, timeout=10) as response:
        headers, body = response.headers, response.read()
    assert headers["Content-Encoding"] == "gzip" and headers["Transfer-Encoding"] == "chunked"
    assert headers["Content-Length"] is None
    assert "部门街镇" in gzip.decompress(body).decode("utf-8")
    # the home page sets two cookies, one header line each
    cookies = headers.get_all("Set-Cookie")
    assert len(cookies) == 2 and cookies[0].startswith("SERVERID=") and cookies[1].startswith("JSESSIONID=")


def test_deflate_bodies_keep_their_length(portal):
    _, headers, body = fetch(portal, "http://www.hc.gov.cn/", {"Accept-Encoding": "deflate"})
    assert headers["Content-Encoding"] == "deflate" and int(headers["Content-Length"]) == len(body)
    assert "部门街镇" in zlib.decompress(body).decode("utf-8")


def test_dead_portal_closes_the_connection(portal):
    with pytest.raises((urllib.error.URLError, http.client.RemoteDisconnected, ConnectionError)):
        fetch(portal, "http://www.cqws.gov.cn/")


def test_unknown_pages_and_hosts(portal):
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(portal, "http://www.hc.gov.cn/no/such/page.html")
    assert missing.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as foreign:
        fetch(portal, "http://www.example.com/")
    assert foreign.value.code == 502


def test_a_column_spans_three_or_more_list_pages(portal):
    _, _, body = fetch(portal, "http://www.bishan.gov.cn/zwgk_241/zfxxgknb/")
    pages = int(re.search(r"createPage\((\d+),", body.decode("utf-8")).group(1))
    assert pages >= 3
    last = fetch(portal, f"http://www.bishan.gov.cn/zwgk_241/zfxxgknb/index_{pages - 1}.html")[2].decode("utf-8")
    assert "t20" in last


def test_column_ids_differ_between_districts(replica):
    sections = {re.search(r"/(zwgk_\d+)/", d.dir).group(1) for _, d in replica.docs if d.dir.startswith("/zwgk_")}
    assert len(sections) >= 10


def test_replica_serves_non_reports_in_report_columns_and_attachments(replica):
    assert replica.not_reports()
    kinds = {name.rsplit(".", 1)[1] for _, d in replica.docs for _, name in d.attachments}
    assert kinds == {"pdf", "doc"}


def test_a_client_that_hangs_up_is_no_error_of_the_portal(capfd):
    """A crawler resetting its connection (a killed crawl, an oversized body stopped) leaves no
    traceback on the portal's stderr, which the crawl's log checks would take for a crawl error."""
    import socket
    import struct
    import time

    with OfflinePortal() as running:
        address = (urlsplit(running.proxy_url).hostname, urlsplit(running.proxy_url).port)
        for _ in range(3):
            client = socket.create_connection(address, timeout=5)
            client.sendall(b"GET http://www.hc.gov.cn/ HTTP/1.1\r\nHost: www.hc.gov.cn\r\n")  # no end of headers
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
            client.close()
        time.sleep(0.5)  # the handler threads meet the reset (without a traceback, nothing tells when)
        assert fetch(running, "http://www.hc.gov.cn/")[0] == 200  # and the portal still serves
    assert "Traceback" not in capfd.readouterr().err
