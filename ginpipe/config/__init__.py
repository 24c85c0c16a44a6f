"""The config layer: gin files and `--mods` read, expanded, resolved, checked and bound to gin.

`text/` turns config files into ordered `Binding`s of light values (GinPipe's syntax expanded, `$()`
evaluated, parsed by gin's own parser); `registry/` makes the names configurables on demand, found
without importing; `resolution` gives final bindings (appends merged, `$()` computed); `checks/`
refuses bad ones before the first task (and names unused ones after); `binding` hands them to gin;
`reading` is the whole chain. `gin_internals` is the only module that touches gin's private API.
Imports only `ginpipe.errors` and `ginpipe.files` from ginpipe.
"""
