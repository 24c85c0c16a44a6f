"""Dataset readers (one DataFrame of metadata each) and the `load_dataset` task that joins them."""
