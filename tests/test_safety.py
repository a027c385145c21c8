"""Safety and politeness that need no crawl: settings, names that cannot escape, redaction."""

import logging

import pytest
from scrapy.utils.project import get_project_settings

from archive.snapshot import Snapshot
from archive.store import LocalStore, safe_key
from pipelines.extraction.encoding import actual_encoding
from crawler.logfilter import CredentialFilter, redact
from crawler.retry import retry_after
from crawler.scope import in_scope
from pipelines.extract import doc_id_for
from scrapy.http import Response

EVIL = ["../x", "a/../../x", "snapshots/../../etc/passwd", "..\\..\\x", "a/./../../b", ".."]


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return get_project_settings()


def test_live_defaults_are_polite_and_consoles_are_off(settings):
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") == 2
    assert {429, 503, 500, 502, 504} <= set(map(int, settings.getlist("RETRY_HTTP_CODES")))
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert middlewares["crawler.retry.BackoffRetryMiddleware"] == 550
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert "{contact}" in settings["USER_AGENT"] and "nianbao" in settings["USER_AGENT"]


def test_the_contact_is_filled_into_the_user_agent(settings):
    from crawler.politeness import ContactUserAgent

    settings.set("NIANBAO_CONTACT", "mailto:ops@example.org", priority="cmdline")
    ContactUserAgent().update_settings(settings)
    assert settings["USER_AGENT"].startswith("nianbao/") and "(+mailto:ops@example.org;" in settings["USER_AGENT"]


@pytest.mark.parametrize("key", EVIL)
def test_store_keys_cannot_climb_out(tmp_path, key):
    with pytest.raises(ValueError):
        safe_key(key)
    with pytest.raises(ValueError):
        LocalStore(tmp_path).path(key)


@pytest.mark.parametrize("snapshot_id", ["../x", "a/b", "..", ".hidden", "x/../../y", ""])
def test_snapshot_ids_cannot_name_another_folder(tmp_path, snapshot_id):
    with pytest.raises(ValueError):
        Snapshot.create(str(tmp_path), snapshot_id or "/")


@pytest.mark.parametrize("url", [
    "http://www.hc.gov.cn/zwgk/zfxxgknb/../../../../etc/t20240101_1.html",
    "http://www.hc.gov.cn/zwgk/zfxxgknb/%2e%2e%2f%2e%2e%2fpasswd/t20240101_1.html",
    "http://www.hc.gov.cn/zwgk/zfxxgknb/关于/..\\..\\年报 <x>.html",
])
def test_file_names_from_urls_stay_in_their_folder(tmp_path, url):
    from crawler.urls import canonical_url

    doc_id = doc_id_for(canonical_url(url))
    assert len(doc_id) == 16 and all(c in "0123456789abcdef" for c in doc_id)
    assert (tmp_path / f"{doc_id}.txt").resolve().parent == tmp_path.resolve()


def test_scope_is_exact_hosts():
    hosts = {"hc.gov.cn"}
    assert in_scope("http://www.hc.gov.cn/a", hosts) and in_scope("https://hc.gov.cn/", hosts)
    for url in ("http://hc.gov.cn.evil.example/", "http://evilhc.gov.cn/", "ftp://hc.gov.cn/", "file:///etc/passwd",
                "http://user@evil.example/@hc.gov.cn"):
        assert not in_scope(url, hosts), url


def test_credentials_are_redacted_from_log_lines():
    assert redact("proxy http://nianbao:pw@127.0.0.1:8733 down") == "proxy http://***@127.0.0.1:8733 down"
    assert redact("s3://bucket/prefix") == "s3://bucket/prefix"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "settings %(s)s", ({"s": "https://a:b@h/"},), None)
    CredentialFilter().filter(record)
    assert record.getMessage() == "settings https://***@h/"


def test_charset_is_judged_by_the_bytes():
    text = "重庆市城口县2024年政府信息公开工作年度报告"
    assert actual_encoding(text.encode("gb18030"), "utf-8") == "gb18030"
    assert actual_encoding(text.encode("utf-8"), "gb18030") == "utf-8"
    assert actual_encoding(text.encode("utf-8"), "utf-8") is None
    assert actual_encoding(text.encode("gb18030"), "gbk") is None
    assert actual_encoding(b"plain ascii", "gbk") is None


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after(Response("http://x/", headers={"Retry-After": "7"})) == 7
    assert retry_after(Response("http://x/", headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0
    assert retry_after(Response("http://x/")) is None


def test_no_callback_is_a_generator_returning_a_value(settings):
    """Scrapy's own warning of it is off (WARN_ON_GENERATOR_RETURN_VALUE: it re-reads a callback's
    source for each response); what it would warn of, checked here once for every spider."""
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.misc import is_generator_with_return_value

    assert settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False
    loader = get_spider_loader(settings)
    methods = {(cls.__name__, name): getattr(cls, name) for cls in map(loader.load, loader.list())
               for name in dir(cls) if name.startswith(("parse", "on_", "start"))}
    generators = {key for key, method in methods.items() if callable(method) and is_generator_with_return_value(method)}
    assert len(methods) > 10 and generators == set()
