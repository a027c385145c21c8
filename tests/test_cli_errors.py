"""Every `nianbao` command answers bad input with one line `nianbao: …` and a documented exit code,
never a traceback; `--debug` (or NIANBAO_DEBUG=1) shows the traceback.

Each case runs the installed console script in its own process, as a user types it."""

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from test_s3_store import S3Server, free_port

NIANBAO = Path(sys.executable).with_name("nianbao")
NO_AWS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
          "NIANBAO_DEBUG", "NIANBAO_STORE"}


def nianbao(*args, timeout=120, **env):
    """The console script with an environment holding no AWS configuration but what `env` adds."""
    base = {k: v for k, v in os.environ.items() if k not in NO_AWS}
    base.update(AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent",
                AWS_EC2_METADATA_DISABLED="true", AWS_DEFAULT_REGION="us-east-1", NO_PROXY="127.0.0.1")
    return subprocess.run([str(NIANBAO), *map(str, args)], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=timeout)


def one_line_error(proc, exit_code: int, *phrases: str) -> str:
    """The error line, after checking: the exit code, `nianbao: ` first, each phrase, no traceback."""
    output = proc.stdout + proc.stderr
    assert proc.returncode == exit_code, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("nianbao")]
    assert len(errors) == 1, proc.stderr[-3000:]
    for phrase in phrases:
        assert phrase in errors[0], errors[0]
    return errors[0]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def ole2_word_bytes() -> bytes:
    # an OLE2 header, then a directory entry named WordDocument (UTF-16LE), as Word writes it
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(64)


# --- nianbao extract -------------------------------------------------------------------------

def test_extract_a_missing_file():
    one_line_error(nianbao("extract", "/nonexistent.html"), 1, "no such file: /nonexistent.html")


def test_extract_a_folder(tmp_path):
    one_line_error(nianbao("extract", tmp_path), 1, "is a folder")


def test_extract_a_binary_is_refused_by_its_content():
    one_line_error(nianbao("extract", "/bin/ls"), 1, "/bin/ls is not a web page", "executable")


@pytest.mark.parametrize("name, data, kind", [
    ("report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),  # the name lies: content decides
    ("report.docx", docx_bytes(), "DOCX"),
    ("report.doc", ole2_word_bytes(), "DOC"),
])
def test_extract_a_broken_report_file_says_what_it_is(tmp_path, name, data, kind):
    # report files are read (tests/test_files.py); these are cut short, as a failed download leaves them
    page = write(tmp_path / name, data)
    one_line_error(nianbao("extract", page), 1, {"PDF": "unreadable pdf file", "DOCX": "docx", "DOC": "LibreOffice could not read"}[kind])


def test_extract_an_image_named_html(tmp_path):
    page = write(tmp_path / "page.html", b"\x89PNG\r\n\x1a\n" + bytes(100))
    one_line_error(nianbao("extract", page), 1, "not a web page", "image")


# --- nianbao tables --------------------------------------------------------------------------

def test_tables_of_a_missing_file():
    one_line_error(nianbao("tables", "/nonexistent.txt"), 1, "no such file: /nonexistent.txt")


def test_tables_of_a_binary():
    one_line_error(nianbao("tables", "/bin/ls"), 1, "/bin/ls is executable data, not a report")


def test_tables_of_broken_jsonl(tmp_path):
    one_line_error(nianbao("tables", write(tmp_path / "documents.jsonl", b'{"doc_id": "a"}\n{"doc_id": \n')), 1,
                   "a line of it is not JSON")


def test_tables_of_a_file_without_statistics(tmp_path):
    text = write(tmp_path / "notice.txt", "关于做好2021年政府信息公开工作年度报告编制工作的通知\n".encode("utf-8"))
    one_line_error(nianbao("tables", text), 1, "no statistics table of the national form found")


@pytest.mark.parametrize("command", ["extract", "tables"])
def test_an_empty_file(command):
    one_line_error(nianbao(command, "/dev/null"), 1, "/dev/null is empty")


# --- commands on a snapshot ------------------------------------------------------------------

@pytest.mark.parametrize("command", ["verify", "validate", "export", "reextract"])
def test_a_path_that_climbs_out_is_no_snapshot(command, tmp_path):
    # (a folder that exists is a snapshot folder, whatever its path: this one exists nowhere)
    climb = "../../nianbao-no-such-folder/20260101T000000Z-abcdef"
    proc = nianbao(command, climb, "--store", tmp_path)
    one_line_error(proc, 1, f"no snapshot folder {climb}", "is not a snapshot id", "nianbao snapshots list")


@pytest.mark.parametrize("command", ["verify", "validate", "export", "reextract"])
def test_an_unknown_snapshot_id(command, tmp_path):
    proc = nianbao(command, "20260101T000000Z-abcdef", "--store", tmp_path)
    one_line_error(proc, 1, "no snapshot '20260101T000000Z-abcdef'", str(tmp_path))


def test_verify_a_folder_that_is_no_snapshot(tmp_path):
    proc = nianbao("verify", tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert "FAILED" in proc.stderr


def test_reextract_a_folder_without_warc_files(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = nianbao("reextract", tmp_path / "empty", "--store", tmp_path / "store")
    one_line_error(proc, 1, "no WARC files", "nothing to re-extract")
    assert not (tmp_path / "store").exists()


def test_export_into_a_folder_that_does_not_exist(tmp_path):
    (tmp_path / "snapshot" / "corpus").mkdir(parents=True)
    (tmp_path / "snapshot" / "corpus" / "documents.jsonl").write_text('{"doc_id": "a"}\n', encoding="utf-8")
    proc = nianbao("export", tmp_path / "snapshot", "--out", tmp_path / "nowhere" / "corpus.csv", "--format", "csv")
    one_line_error(proc, 1, f"no folder {tmp_path / 'nowhere'}")


def test_upload_a_folder_that_is_no_sealed_snapshot(tmp_path):
    one_line_error(nianbao("upload", tmp_path, "--store", tmp_path / "store"), 1, "is not a sealed snapshot")


def test_export_to_an_unknown_format():
    proc = nianbao("export", "x", "--format", "xml")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "invalid choice: 'xml'" in proc.stderr


# --- stores ----------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, phrase", [("http://example.org/x", "unsupported store"), ("s3://", "names no bucket")])
def test_a_store_uri_of_no_known_kind(uri, phrase):
    one_line_error(nianbao("snapshots", "list", "--store", uri), 1, phrase)


def test_s3_without_credentials_says_how_to_configure():
    proc = nianbao("snapshots", "list", "--store", "s3://bucket")
    one_line_error(proc, 1, "s3://bucket: no usable S3 credentials", "AWS_ACCESS_KEY_ID", "AWS_PROFILE",
                   "AWS_ENDPOINT_URL")


def test_a_crawl_into_s3_without_credentials_stops_before_crawling(tmp_path):
    proc = nianbao("crawl", "chongqing_districts", "--offline", "--store", "s3://bucket/archive",
                   "-s", f"NIANBAO_SPOOL={tmp_path / 'spool'}")
    one_line_error(proc, 1, "s3://bucket/archive: no S3 credentials found", "AWS_PROFILE")
    assert "offline portal on" not in proc.stderr and not (tmp_path / "spool").exists()


def test_s3_endpoint_that_does_not_answer():
    endpoint = f"http://127.0.0.1:{free_port()}"
    proc = nianbao("verify", "20260101T000000Z-abcdef", "--store", "s3://bucket/archive",
                   AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s", AWS_ENDPOINT_URL=endpoint)
    one_line_error(proc, 1, f"s3://bucket/archive: cannot reach {endpoint}", "AWS_ENDPOINT_URL")


def test_s3_bucket_that_does_not_exist():
    server = S3Server()
    server.start()
    try:
        proc = nianbao("snapshots", "list", "--store", "s3://no-such-bucket/x", **server.env)
    finally:
        server.stop()
    one_line_error(proc, 1, "no bucket 'no-such-bucket'", server.env["AWS_ENDPOINT_URL"])


@pytest.fixture(scope="module")
def refusing_s3():
    """moto's server with authentication on (INITIAL_NO_AUTH_ACTION_COUNT=0): unknown keys are refused."""
    port = free_port()
    server = subprocess.Popen([str(NIANBAO.with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_s3_that_refuses_the_credentials(refusing_s3):
    proc = nianbao("snapshots", "list", "--store", "s3://bucket",
                   AWS_ACCESS_KEY_ID="not-a-key", AWS_SECRET_ACCESS_KEY="s", AWS_ENDPOINT_URL=refusing_s3)
    one_line_error(proc, 1, f"{refusing_s3} refused the credentials (InvalidAccessKeyId)", "AWS_PROFILE")


def test_an_upload_the_store_refuses_is_not_retried(refusing_s3, tmp_path, monkeypatch):
    from archive.store import S3Store, StoreError, upload_with_retry

    for name, value in {"AWS_ACCESS_KEY_ID": "not-a-key", "AWS_SECRET_ACCESS_KEY": "s",
                        "AWS_ENDPOINT_URL": refusing_s3, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "manifest.json").write_text("{}")
    retries = []
    started = time.monotonic()
    with pytest.raises(StoreError, match="refused the credentials"):
        upload_with_retry(S3Store("bucket", "archive"), tmp_path / "manifest.json", "snapshots/x/manifest.json",
                          deadline=started + 120, log=retries.append)
    assert retries == [] and time.monotonic() - started < 60


def wait_for_port(port: int, patience: float = 30) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"moto_server did not listen on {port}")


# --- nianbao crawl ---------------------------------------------------------------------------

def test_crawl_an_unknown_spider_lists_the_known_ones(tmp_path):
    proc = nianbao("crawl", "nosuchspider", "--offline", "--store", tmp_path)
    one_line_error(proc, 1, "no spider 'nosuchspider'", "the spiders are:", "chongqing_districts", "portals")


def test_crawl_an_unknown_portal(tmp_path):
    proc = nianbao("crawl", "chongqing_districts", "--offline", "--store", tmp_path, "-a", "districts=东城区")
    one_line_error(proc, 1, "unknown unit(s): 东城区", "合川区")


def test_an_offline_selection_the_offline_portal_does_not_serve(tmp_path):
    proc = nianbao("crawl", "china", "--offline", "--store", tmp_path, "-a", "provinces=北京市")
    one_line_error(proc, 1, "the offline portal serves none of the units china selects", "东丽区", "合川区")


def test_an_offline_regional_spider_crawls_only_what_the_offline_portal_serves(tmp_path):
    # 16 districts of 天津市 in the registry, one (东丽区) served: the other 15 would only fail
    proc = nianbao("crawl", "tianjin_districts", "--offline", "--store", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "offline: 1 of the 16 units tianjin_districts selects are served (东丽区)" in proc.stderr
    (snapshot,) = (tmp_path / "snapshots").iterdir()
    portals = json.loads((snapshot / "crawl" / "portals.json").read_text("utf-8"))["portals"]
    assert [p["name"] for p in portals] == ["东丽区"]
    documents = (snapshot / "corpus" / "documents.jsonl").read_text("utf-8").splitlines()
    from replica.site import build_replica

    truth = build_replica().platform("东丽区").expected_reports()  # canonical URL → its report
    assert {json.loads(d)["canonical_url"] for d in documents} == set(truth)


def test_a_first_crawl_downloads_no_public_suffix_list(tmp_path):
    # an empty tldextract cache is a fresh install: Scrapy's cookie middleware would fetch the list
    # from publicsuffix.org (off the crawl's hosts) and log tracebacks when that fails
    proc = nianbao("crawl", "chongqing_districts", "--offline", "--store", tmp_path / "store",
                   "-a", "districts=大渡口区", TLDEXTRACT_CACHE=str(tmp_path / "tldextract"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Public Suffix List" not in proc.stderr and "Traceback" not in proc.stdout + proc.stderr


def test_crawl_a_malformed_argument(tmp_path):
    one_line_error(nianbao("crawl", "chongqing_districts", "--store", tmp_path, "-s", "DOWNLOAD_DELAY"), 1,
                   "-s must be NAME=VALUE")


# --- nianbao portal serve --------------------------------------------------------------------

def test_serve_on_a_port_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = nianbao("portal", "serve", "--port", port, timeout=60)
    one_line_error(proc, 1, f"cannot listen on 127.0.0.1:{port}", "--port")


def test_serve_an_edition_that_does_not_exist():
    one_line_error(nianbao("portal", "serve", "--port", 0, "--edition", 9, timeout=60), 1, "no edition 9")


# --- --debug ---------------------------------------------------------------------------------

@pytest.mark.parametrize("how", [{"args": ["--debug"]}, {"env": {"NIANBAO_DEBUG": "1"}}])
def test_debug_prints_the_traceback_too(how):
    proc = nianbao("extract", "/nonexistent.html", *how.get("args", []), **how.get("env", {}))
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "UserError" in proc.stderr
    assert proc.stderr.splitlines()[-1] == "nianbao: no such file: /nonexistent.html"


def test_a_bug_is_one_line_that_asks_for_the_traceback(capsys, monkeypatch):
    from crawler.cli import run

    monkeypatch.delenv("NIANBAO_DEBUG", raising=False)

    def broken(args):
        return {}["missing"]

    assert run(argparse.Namespace(run=broken)) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("nianbao: unexpected error (KeyError: 'missing')") and "--debug" in err
