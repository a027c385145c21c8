"""Snapshots in S3: moto's S3 server over real HTTP on 127.0.0.1, the real boto3 client, no patching."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from conftest import ROOT, run_nianbao

BUCKET = "nianbao-archive"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """moto's server on a fixed port, so it can be stopped and started again (its data stays)."""

    def __init__(self):
        self.port = free_port()
        self.server = None

    def start(self):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self):
        self.server.stop()

    @property
    def env(self):
        return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.port}", "NO_PROXY": "127.0.0.1"}

    def client(self):
        return boto3.client("s3", endpoint_url=self.env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def s3():
    server = S3Server()
    server.start()
    server.client().create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


def crawl_into(s3, prefix, spool, *extra, **env):
    return run_nianbao("crawl", "chongqing_districts", "--offline", "--store", f"s3://{BUCKET}/{prefix}",
                       "-a", "districts=合川区,大渡口区", *extra, NIANBAO_SPOOL=str(spool), **s3.env, **env)


def snapshot_id(spool: Path) -> str:
    (folder,) = [p for p in spool.iterdir() if p.is_dir()]
    return folder.name


def test_crawl_into_s3_then_verify_detects_tampering(s3, tmp_path):
    proc = crawl_into(s3, "runs", tmp_path / "spool")
    assert proc.returncode == 0, proc.stderr[-3000:]
    sid = snapshot_id(tmp_path / "spool")
    uri = f"s3://{BUCKET}/runs/snapshots/{sid}"
    assert f"nianbao verify {uri}" in proc.stdout

    client = s3.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=f"runs/snapshots/{sid}/")["Contents"]]
    assert f"runs/snapshots/{sid}/manifest.json" in keys and any(k.endswith(".warc.gz") for k in keys)
    listing = run_nianbao("snapshots", "list", "--store", f"s3://{BUCKET}/runs", **s3.env, timeout=60)
    assert sid in listing.stdout and "complete" in listing.stdout

    ok = run_nianbao("verify", uri, **s3.env, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    again = run_nianbao("reextract", uri, "--store", f"s3://{BUCKET}/reextracted", "--spool", str(tmp_path / "re"),
                        **s3.env, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    new_id = snapshot_id(tmp_path / "re")

    def documents(prefix, sid):
        return client.get_object(Bucket=BUCKET, Key=f"{prefix}/snapshots/{sid}/corpus/documents.jsonl")["Body"].read()

    assert documents("reextracted", new_id) == documents("runs", sid)

    warc_key = next(k for k in keys if k.endswith(".warc.gz"))
    original = client.get_object(Bucket=BUCKET, Key=warc_key)["Body"].read()
    flipped = bytearray(original)
    flipped[len(flipped) // 3] ^= 0x20
    client.put_object(Bucket=BUCKET, Key=warc_key, Body=bytes(flipped))
    bad = run_nianbao("verify", uri, **s3.env, timeout=120)
    assert bad.returncode == 1 and bad.stdout.splitlines() == [f"altered: {warc_key.split(sid + '/', 1)[1]}"]

    client.put_object(Bucket=BUCKET, Key=warc_key, Body=original)
    text_key = next(k for k in keys if "/corpus/text/" in k)
    client.delete_object(Bucket=BUCKET, Key=text_key)
    gone = run_nianbao("verify", sid, "--store", f"s3://{BUCKET}/runs", **s3.env, timeout=120)
    assert gone.returncode == 1 and gone.stdout.splitlines() == [f"missing: {text_key.split(sid + '/', 1)[1]}"]


def test_store_down_during_the_crawl_loses_nothing(s3, tmp_path):
    """The S3 server is stopped while the crawl runs and started again: the upload waits and retries."""
    spool = tmp_path / "spool"
    s3.stop()
    # the output goes to files: a pipe nobody reads until the end would fill up and stall the crawl
    log = open(tmp_path / "crawl.log", "w+", encoding="utf-8", errors="replace")
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "chongqing_districts", "--offline",
         "--store", f"s3://{BUCKET}/outage", "-a", "districts=合川区,大渡口区"],
        cwd=ROOT, env={**os.environ, **s3.env, "NIANBAO_SPOOL": str(spool)},
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(spool.glob("*/manifest.json")):  # sealed: the upload is now failing
            assert proc.poll() is None and time.monotonic() < deadline, "crawl ended before it could upload"
            time.sleep(0.2)
        time.sleep(1.5)
    finally:
        s3.start()
    proc.wait(timeout=300)
    log.seek(0)
    assert proc.returncode == 0, log.read()[-3000:]
    log.close()
    sid = snapshot_id(spool)
    status = json.loads((spool / f"{sid}.upload.json").read_text())
    assert status["complete"] and status["retries"] >= 1
    local = sorted(p.relative_to(spool / sid).as_posix() for p in (spool / sid).rglob("*") if p.is_file())
    remote = sorted(o["Key"].split(f"{sid}/", 1)[1] for o in
                    s3.client().list_objects_v2(Bucket=BUCKET, Prefix=f"outage/snapshots/{sid}/")["Contents"])
    assert remote == local
    assert run_nianbao("verify", f"s3://{BUCKET}/outage/snapshots/{sid}", **s3.env, timeout=120).returncode == 0


def test_a_store_that_stays_down_keeps_the_spool_for_a_later_upload(s3, tmp_path):
    spool = tmp_path / "spool"
    s3.stop()
    try:
        proc = crawl_into(s3, "later", spool, "-s", "NIANBAO_STORE_PATIENCE=2")
    finally:
        s3.start()
    assert proc.returncode == 3 and "nothing is lost" in proc.stderr
    sid = snapshot_id(spool)
    done = run_nianbao("upload", str(spool / sid), "--store", f"s3://{BUCKET}/later", **s3.env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert run_nianbao("verify", f"s3://{BUCKET}/later/snapshots/{sid}", **s3.env, timeout=120).returncode == 0
