"""The tools layer: commands about finished experiments.

`compare` prints experiments side by side (bindings that differ, final metrics, curves);
`reproduce` reruns one from what its folder recorded and checks the metrics; `finished` reads what
a finished folder says, for both. Imports `ginpipe.runs` and the layers below it.
"""
