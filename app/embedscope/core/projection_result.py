"""What a projection hands back (`Projection`) and the error for settings that cannot work;
shared by the projection itself, its on-disk cache and its worker process."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import EmbedscopeError


class ProjectionError(EmbedscopeError):
    """A projection was asked for with settings that cannot work (unknown method or
    parameter, too few points, an axis whose two ends are the same)."""


@dataclass
class Projection:
    """A 2D map of some rows of an embedding.

    `coords[i]` is where `rows[i]` lands. `params` are the settings actually used (defaults
    filled in, limits applied). `quality` is the share of each point's k nearest neighbours
    in the original space (cosine) still among its k nearest in 2D, on a sample of points.
    `explained_variance` (PCA and axes) is the share of the rows' variance along x and y.
    `seconds` is the time the computation took (when `from_cache`, the original time).
    """

    coords: np.ndarray
    rows: np.ndarray
    method: str
    params: dict
    quality: float | None
    explained_variance: tuple[float, float] | None
    seconds: float
    from_cache: bool = False
    seed: int | None = 0
    axes: list[tuple[str, str]] | None = None
    timings: dict = field(default_factory=dict)  # compute / quality / worker start, seconds

    def __len__(self) -> int:
        return len(self.rows)
