"""Colours for the map: small fixed palettes so the scatter reuses a handful of brushes."""
from __future__ import annotations

# Frequency rank: the few most frequent words stand out warm, the bulk cool, the rare pale.
FREQUENCY = ["#d62728", "#ff7f0e", "#1f77b4", "#7fb3d5", "#b8b8b8"]
# Sequential (vector norm): viridis, sampled at 6 steps.
SEQUENTIAL = ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"]
# Categorical (clusters, findings): Tableau 10.
CATEGORICAL = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
               "#ff9da7", "#9c755f", "#bab0ac"]
OTHER_DARK = "#5a5a5a"    # points outside the coloured set, on a dark background
OTHER_LIGHT = "#c4c4c4"   # … on a light background
SELECTION = "#e8590c"
HIGHLIGHT = "#d6336c"
PICKED = "#1c7ed6"
