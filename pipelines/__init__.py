"""Item pipelines: read report pages into documents and write the corpus."""
