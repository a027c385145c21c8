"""`nianbao reextract`: the corpus rebuilt from the WARC files alone is byte-identical."""

import filecmp

from conftest import run_nianbao


def test_reextraction_is_byte_identical(offline_crawl, tmp_path):
    # two extracting processes: the corpus is still written in the pages' order, as the crawl wrote it
    proc = run_nianbao("reextract", str(offline_crawl.root), "--store", str(tmp_path), "--jobs", "2", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (new,) = (tmp_path / "snapshots").iterdir()
    assert new.name != offline_crawl.root.name
    original = offline_crawl.root / "corpus"
    assert (new / "corpus" / "documents.jsonl").read_bytes() == (original / "documents.jsonl").read_bytes()
    comparison = filecmp.dircmp(original / "text", new / "corpus" / "text")
    assert not comparison.left_only and not comparison.right_only and not comparison.diff_files
    assert f"re-extracted {len(offline_crawl.documents)} documents" in proc.stdout
    assert run_nianbao("verify", str(new), timeout=120).returncode == 0
