"""JSON-lines files as big as a national corpus (a document's line holds its whole text): read a
whole line at a time, and put in order through an index of where each line lies, never held whole.

Lines split at b"\\n" only: a document's text may hold U+2028 or U+0085, which JSON leaves
unescaped and `str.splitlines` would cut a line at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO


def line_spans(path: Path) -> Iterator[tuple[int, bytes]]:
    """Each whole, non-blank line of a file with the offset it starts at; a torn last line (a killed
    writer's) is left out."""
    with open(path, "rb") as stream:
        at = 0
        for line in stream:
            if not line.endswith(b"\n"):
                return
            if line.strip():
                yield at, line
            at += len(line)


def records(path: Path) -> Iterator[dict]:
    """Each record of a JSON-lines file, one at a time (none if there is no file)."""
    if not path.exists():
        return
    with open(path, "rb") as stream:
        yield from stream_records(stream)


def stream_records(stream: BinaryIO, chunk: int = 1 << 20) -> Iterator[dict]:
    """Each record of a JSON-lines stream (a store's object: an S3 body iterates in chunks, not
    lines), one at a time."""
    rest = b""
    for block in iter(lambda: stream.read(chunk), b""):
        *lines, rest = (rest + block).split(b"\n")
        yield from (json.loads(line) for line in lines if line.strip())
    if rest.strip():
        yield json.loads(rest)


def read_span(path: Path, at: int, length: int) -> bytes:
    with open(path, "rb") as stream:
        stream.seek(at)
        return stream.read(length)


def write_spans(spans: Iterable[tuple[Path, int, int]], target: Path) -> None:
    """Write the lines at (file, offset, length), in this order, into `target` — through a
    `.part` file, so that `target` is never half-written and may be one of the sources."""
    partial = target.with_name(target.name + ".part")
    sources = {}
    try:
        with open(partial, "wb") as out:
            for path, at, length in spans:
                if path not in sources:
                    sources[path] = open(path, "rb")
                sources[path].seek(at)
                out.write(sources[path].read(length))
    finally:
        for stream in sources.values():
            stream.close()
    partial.replace(target)


def sort_lines(path: Path, key: Callable[[dict], object]) -> None:
    """Rewrite a JSON-lines file in the order of `key` of each record (ties in file order)."""
    if not path.exists():
        return
    order = sorted((key(json.loads(line)), at, len(line)) for at, line in line_spans(path))
    write_spans(((path, at, length) for _, at, length in order), path)
