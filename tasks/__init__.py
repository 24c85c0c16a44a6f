"""The reference audio-classification pipeline: one module per stage, one job per function.

Kept empty on purpose: referencing `@set_seed` in a config imports `tasks.seed` alone, so a config
that never trains a model never imports torch.
"""
