"""Audio decoding, feature extractors, the sharded feature store and the `extract_features` task."""
