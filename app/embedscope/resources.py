"""Where shipped files live: `resources/` in a clone, `embedscope/_resources/` when installed."""
from __future__ import annotations

from pathlib import Path

SAMPLE_NAME = "glove.6B.50d.20k"


def resource_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "_resources"  # the wheel maps the repo's resources/ here
    if installed.is_dir():
        return installed
    return here.parents[1] / "resources"


def sample_path() -> Path:
    """The bundled sample matrix (its words file, `<name>.vocab.txt`, sits beside it)."""
    return resource_dir() / "sample" / f"{SAMPLE_NAME}.npy"


def sample_vocab_path() -> Path:
    return resource_dir() / "sample" / f"{SAMPLE_NAME}.vocab.txt"


def icon_path(name: str = "embedscope.svg") -> Path:
    return resource_dir() / "icons" / name
