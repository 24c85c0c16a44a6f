"""Lightning plumbing `fit_model` adds to every training: safe checkpoints, exact resumes, loss guard."""
