# Shim for the mmengine package (NOT MMEngine): only the helpers config.py imports.
from .fileio import load, dump  # noqa: F401
