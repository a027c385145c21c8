"""Publishing a sealed snapshot to a remote store, from the local spool.

Every file is uploaded with retries and backoff; `manifest.json` goes last, so a snapshot that
is only partly uploaded is seen as incomplete. What happened is kept beside the spool folder
(`<id>.upload.json`), and the spool is kept: nothing is lost if the store stays down, and
`nianbao upload` finishes the job later.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from .manifest import MANIFEST, SUMS
from .store import upload_with_retry

logger = logging.getLogger(__name__)


def publish(root: Path, store, snapshot_id: str, *, patience: float = 600.0) -> dict:
    """Upload a sealed snapshot folder; returns (and records) the outcome."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    order = [p for p in files if p.name not in (MANIFEST, SUMS)] + [root / SUMS, root / MANIFEST]
    deadline = time.monotonic() + patience
    status = {"snapshot": snapshot_id, "store": str(store), "files": len(order), "uploaded": 0, "retries": 0,
              "complete": False, "error": None}
    try:
        for path in order:
            key = f"snapshots/{snapshot_id}/{path.relative_to(root).as_posix()}"
            status["retries"] += upload_with_retry(store, path, key, deadline=deadline, log=logger.warning)
            status["uploaded"] += 1
        status["complete"] = True
    except Exception as exc:
        status["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        logger.error("upload of snapshot %s to %s stopped: %s; its files wait in %s",
                     snapshot_id, store, status["error"], root)
    root.with_name(root.name + ".upload.json").write_text(json.dumps(status, indent=1), encoding="utf-8")
    return status
