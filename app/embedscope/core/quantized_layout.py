"""How the 4-bit search copy lays out its rows, shared by the copy (core/quantized.py) and its
compiled loops (core/quantized_kernels.py)."""
from __future__ import annotations

ROWS = 16  # rows per chunk: one chunk's estimates fill one or two SIMD registers
