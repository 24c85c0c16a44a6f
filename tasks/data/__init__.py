"""Datasets, collation and the `get_dataloaders` task."""
