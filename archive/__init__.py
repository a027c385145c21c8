"""How to keep what was crawled: WARC capture, snapshots, the store."""
