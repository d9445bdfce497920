"""The model of Embedscope: embeddings, checks, neighbours, projections, selection, export.

Numpy and scipy only. Nothing in this package may import Qt (a test enforces it).
"""
