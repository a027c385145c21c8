"""One module per group of portals. Spiders only crawl: reading and keeping live elsewhere."""
