"""One snapshot from the parts many workers wrote (`parts/<worker>/`, see `Snapshot.part`).

Each worker wrote its own WARC files (Annex C names with the worker in the prefix, so none
collide), its own corpus and crawl records. Merging moves the WARC files into `warc/` (a file a
killed worker left `.open` is cut after its last complete exchange, as a resumed crawl does), and
writes one `documents.jsonl` sorted by doc_id, the text and tables of exactly those documents,
the attachments and failures (each record once, sorted), one summary and the workers' stats, and
the units the crawl was asked for (`crawl/portals.json`, the same in every part: all workers run
one spider with the same arguments), from which the coverage is then written. The
snapshot then has the layout of a single-process crawl and is sealed as one.

A document two workers both wrote (a page taken up again after a kill, or two spellings of one
report, such as its `_wap` copy) is kept once: the record with the shortest URL (the plain
spelling, the one a report column links and a single process therefore meets first), then the
smallest line, so the result does not depend on which worker came first.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

from .coverage import PORTALS_FILE
from .lines import line_spans, read_span, write_spans
from .resume import repair_open_warc
from .snapshot import PARTS


def part_dirs(root: Path) -> list[Path]:
    return sorted(p for p in (root / PARTS).iterdir() if p.is_dir()) if (root / PARTS).is_dir() else []


def whole_lines(path: Path) -> list[str]:
    """A part's JSON lines; a torn last line (a killed worker's) is left out."""
    return [line.decode("utf-8") for _, line in line_spans(path)] if path.exists() else []


def merge_warcs(parts: list[Path], warc_dir: Path) -> list[str]:
    notes = []
    warc_dir.mkdir(parents=True, exist_ok=True)
    for part in parts:
        for left_open in sorted((part / "warc").glob("*.warc.gz.open")):
            notes.append(repair_open_warc(left_open))
        for warc in sorted((part / "warc").glob("*.warc.gz")):
            target = warc_dir / warc.name
            if target.exists():
                raise FileExistsError(f"two workers wrote {warc.name}")
            warc.replace(target)
    return notes


def merge_documents(parts: list[Path], corpus: Path) -> Counter:
    """Write the merged `documents.jsonl` and the chosen documents' text and tables; how many
    documents each portal has. Only where each line lies is held, not the lines (each holds a
    document's whole text)."""
    chosen: dict[str, tuple[int, Path, int, int, str]] = {}  # doc_id: (len(url), file, offset, length, portal)
    for part in parts:
        path = part / "corpus" / "documents.jsonl"
        if not path.exists():
            continue
        for at, line in line_spans(path):
            doc = json.loads(line)
            here = (len(doc["url"]), path, at, len(line), doc["portal"])
            if doc["doc_id"] not in chosen or preferred(here, chosen[doc["doc_id"]]):
                chosen[doc["doc_id"]] = here
    for sub in ("text", "tables"):
        (corpus / sub).mkdir(parents=True, exist_ok=True)
    for doc_id, (_, path, *_) in chosen.items():
        part = path.parent.parent
        for sub, suffix in (("text", ".txt"), ("tables", ".json")):
            shutil.copyfile(part / "corpus" / sub / f"{doc_id}{suffix}", corpus / sub / f"{doc_id}{suffix}")
    write_spans((chosen[d][1:4] for d in sorted(chosen)), corpus / "documents.jsonl")
    return Counter(portal for *_, portal in chosen.values())


def preferred(here: tuple, there: tuple) -> bool:
    """The shorter URL, then the smaller line (UTF-8 bytes sort as the text's code points)."""
    if here[0] != there[0]:
        return here[0] < there[0]
    return read_span(*here[1:4]) < read_span(*there[1:4])


def merge_lines(parts: list[Path], relative: str, target: Path) -> None:
    """Each record once, sorted. Two workers' records of one thing (an attachment fetched again
    after a kill) differ only in the WARC file that holds it (`capture`): the first line is kept."""
    chosen: dict[str, str] = {}
    for line in sorted({line for part in parts for line in whole_lines(part / relative)}):
        record = json.loads(line)
        record.pop("capture", None)
        chosen.setdefault(json.dumps(record, sort_keys=True), line)
    lines = sorted(chosen.values())
    if lines or any((part / relative).exists() for part in parts):
        target.write_text("".join(lines), encoding="utf-8")


def merge_summaries(parts: list[Path], reports: Counter, snapshot_id: str) -> dict:
    """One summary: the workers' counts added up, reports counted once from the merged corpus."""
    rows: dict[str, Counter] = defaultdict(Counter)
    reasons: dict[str, Counter] = defaultdict(Counter)
    spider, columns = None, []
    for part in parts:
        path = part / "crawl" / "summary.json"
        if not path.exists():  # a killed worker: its work was taken up by the others
            continue
        summary = json.loads(path.read_text("utf-8"))
        spider = spider or summary["spider"]
        columns = columns or list(summary["totals"])
        for name, row in summary["portals"].items():
            rows[name].update({c: row[c] for c in columns})
            reasons[name].update(row.get("failure_reasons", {}))
    portals = {name: {c: (reports[name] if c == "reports" else rows[name][c]) for c in columns}
               | {"failure_reasons": dict(reasons[name])} for name in sorted(rows)}
    return {"snapshot_id": snapshot_id, "spider": spider, "finish_reason": "finished",
            "totals": {c: sum(r[c] for r in portals.values()) for c in columns},
            "portals": portals}


def merge_stats(parts: list[Path]) -> dict:
    """Numbers added up over the workers; each worker's own stats under `workers`."""
    total: Counter = Counter()
    workers = {}
    for part in parts:
        path = part / "crawl" / "stats.json"
        if path.exists():
            stats = json.loads(path.read_text("utf-8"))
            workers[part.name] = stats
            total.update({k: v for k, v in stats.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    return {**dict(sorted(total.items())), "nianbao/workers": len(parts), "workers": workers}


def merge_wanted_units(parts: list[Path], target: Path) -> list[str]:
    """The first part's `crawl/portals.json`; a note if another part asked for other units."""
    found = [part / PORTALS_FILE for part in parts if (part / PORTALS_FILE).exists()]
    if not found:
        return []
    shutil.copyfile(found[0], target)
    first = json.loads(found[0].read_text("utf-8"))
    return [f"{path.parent.parent.name} crawled other portals or years than {found[0].parent.parent.name}; "
            f"the coverage counts {found[0].parent.parent.name}'s" for path in found[1:]
            if json.loads(path.read_text("utf-8")) != first]


def merge_parts(root: Path, snapshot_id: str) -> list[str]:
    """Merge the workers' parts of a snapshot into it and remove them; notes on repairs."""
    parts = part_dirs(root)
    notes = merge_warcs(parts, root / "warc")
    reports = merge_documents(parts, root / "corpus")
    merge_lines(parts, "corpus/attachments.jsonl", root / "corpus" / "attachments.jsonl")
    merge_lines(parts, "crawl/failures.jsonl", root / "crawl" / "failures.jsonl")
    merge_lines(parts, "crawl/not_reports.jsonl", root / "crawl" / "not_reports.jsonl")
    (root / "crawl").mkdir(parents=True, exist_ok=True)
    summary = merge_summaries(parts, reports, snapshot_id)
    (root / "crawl" / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    (root / "crawl" / "stats.json").write_text(json.dumps(merge_stats(parts), indent=1, default=str), encoding="utf-8")
    notes += merge_wanted_units(parts, root / PORTALS_FILE)
    shutil.rmtree(root / PARTS)
    return notes
