"""Names in a config to configurables: found without importing (source, cached library signatures), registered with
gin on demand."""
