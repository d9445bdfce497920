"""Where Embedscope keeps caches (parsed matrices, projections): the user's cache folder,
or $EMBEDSCOPE_CACHE_DIR when set (tests point it at a temporary folder)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir(kind: str) -> Path:
    """The folder for one kind of cache ("matrices", "projections"), created on demand."""
    root = os.environ.get("EMBEDSCOPE_CACHE_DIR")
    if not root:
        from platformdirs import user_cache_dir

        root = user_cache_dir("embedscope", appauthor=False)
    path = Path(root) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path
