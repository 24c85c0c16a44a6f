"""Checks of a resolved config: parameters exist, values fit, every `--mods` macro is used; after a run, bindings
nothing used."""
