"""The config layer: gin files and `--mods` read, expanded, resolved, checked and bound to gin.

`syntax` turns GinPipe's additions into plain gin text with a line map; `composition` parses it with
gin's own parser into ordered `Binding`s of light `values`; `registry` makes the names importable
configurables on demand; `resolution` gives final bindings (appends merged, `$()` computed);
`validation` checks them; `binding` hands them to gin. `gin_internals` is the only module that
touches gin's private API. Imports only `ginpipe.errors` and `ginpipe.files` from ginpipe.
"""
