"""Audio decoding, feature extractors, the on-disk feature cache and the `extract_features` task."""
