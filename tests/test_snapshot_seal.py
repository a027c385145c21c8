"""A finished crawl seals its snapshot; `nianbao verify` finds every missing, extra or altered file."""

import json
import shutil
import subprocess

import pytest

from archive.manifest import seal
from conftest import run_nianbao


@pytest.fixture
def copy_of_snapshot(offline_crawl, tmp_path):
    target = tmp_path / "store" / "snapshots" / offline_crawl.root.name
    shutil.copytree(offline_crawl.root, target)
    return target


def test_a_finished_crawl_is_sealed_and_verifies(offline_crawl):
    root = offline_crawl.root
    manifest = json.loads((root / "manifest.json").read_text("utf-8"))
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"manifest.json", "SHA256SUMS"}
    assert {r["path"] for r in manifest["resources"]} == files
    assert manifest["id"] == root.name and manifest["counts"]["reports"] == len(offline_crawl.documents)
    newest = max((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime_ns)
    assert newest.name == "manifest.json"  # written last
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=root).returncode == 0
    proc = run_nianbao("verify", str(root), timeout=120)
    assert proc.returncode == 0 and "OK" in proc.stdout


def test_the_manifest_written_file_by_file_is_the_json_of_the_whole(copy_of_snapshot, tmp_path):
    """`seal` writes each file's entry as it hashes it: the manifest is, byte for byte, what
    json.dumps makes of it whole (and of an empty list, for a folder with no file)."""
    (copy_of_snapshot / "manifest.json").unlink()
    assert seal(copy_of_snapshot, snapshot_id=copy_of_snapshot.name, scope={"spider": "中文"}) > 100
    text = (copy_of_snapshot / "manifest.json").read_text("utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1)
    files = sorted(p for p in copy_of_snapshot.rglob("*") if p.is_file() and p.name not in ("manifest.json", "SHA256SUMS"))
    assert [r["path"] for r in json.loads(text)["resources"]] == [p.relative_to(copy_of_snapshot).as_posix() for p in files]
    assert run_nianbao("verify", str(copy_of_snapshot), timeout=120).returncode == 0
    (tmp_path / "empty").mkdir()
    assert seal(tmp_path / "empty", snapshot_id="X") == 0
    text = (tmp_path / "empty" / "manifest.json").read_text("utf-8")
    assert json.loads(text)["resources"] == [] and text == json.dumps(json.loads(text), ensure_ascii=False, indent=1)
    assert (tmp_path / "empty" / "SHA256SUMS").read_text() == ""


def test_verify_names_an_altered_file(copy_of_snapshot):
    warc = sorted((copy_of_snapshot / "warc").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    proc = run_nianbao("verify", str(copy_of_snapshot), timeout=120)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [f"altered: warc/{warc.name}"]


def test_verify_names_missing_and_extra_files(copy_of_snapshot):
    text = sorted((copy_of_snapshot / "corpus" / "text").iterdir())[0]
    text.unlink()
    (copy_of_snapshot / "corpus" / "notes.txt").write_text("added later")
    proc = run_nianbao("verify", copy_of_snapshot.name, "--store", str(copy_of_snapshot.parents[1]), timeout=120)
    assert proc.returncode == 1
    assert sorted(proc.stdout.splitlines()) == sorted([f"missing: corpus/text/{text.name}", "extra: corpus/notes.txt"])


def test_a_snapshot_without_manifest_is_incomplete(copy_of_snapshot):
    (copy_of_snapshot / "manifest.json").unlink()
    store = copy_of_snapshot.parents[1]
    listing = run_nianbao("snapshots", "list", "--store", str(store), timeout=60)
    assert listing.returncode == 0
    assert [line.split()[1] for line in listing.stdout.splitlines()[1:]] == ["incomplete"]
    proc = run_nianbao("verify", str(copy_of_snapshot), timeout=60)
    assert proc.returncode == 1 and "incomplete" in proc.stdout


def test_config_environment_and_delta(offline_crawl, tmp_path):
    crawl = offline_crawl.root / "crawl"
    config = json.loads((crawl / "config.json").read_text("utf-8"))
    assert config["BOT_NAME"] == "nianbao" and config["ROBOTSTXT_OBEY"] is True
    env = json.loads((crawl / "environment.json").read_text("utf-8"))
    assert env["packages"]["scrapy"] and env["python"]
    delta = json.loads((offline_crawl.root / "delta.json").read_text("utf-8"))
    assert delta["previous"] is None and delta["counts"]["new"] == len(offline_crawl.documents)

    # a second crawl of a subset into the same store: its portal's documents are unchanged, and the
    # portals it did not visit have lost nothing (a withdrawn report is "gone": test_incremental)
    store = offline_crawl.store
    proc = run_nianbao("crawl", "chongqing_districts", "--offline", "--store", str(store), "-a", "districts=合川区")
    assert proc.returncode == 0, proc.stderr[-2000:]
    newest = max((store / "snapshots").iterdir())
    second = json.loads((newest / "delta.json").read_text("utf-8"))
    assert second["previous"] == offline_crawl.root.name
    hechuan = [d["doc_id"] for d in offline_crawl.documents if d["portal"] == "合川区"]
    assert sorted(second["unchanged"]) == sorted(hechuan) and not second["new"] and not second["changed"]
    assert second["counts"]["gone"] == 0
