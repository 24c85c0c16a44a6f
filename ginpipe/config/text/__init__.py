"""Config text to bindings: files decoded, GinPipe's syntax expanded, `$()` evaluated, parsed into a `Composition`
of values."""
