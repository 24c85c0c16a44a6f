"""What feeds training: torch datasets over the feature store, collation, streaming shards and the `get_dataloaders`
task (the readers of dataset folders are `tasks/datasets/`)."""
