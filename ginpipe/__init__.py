"""ginpipe."""
