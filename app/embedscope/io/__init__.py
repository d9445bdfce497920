"""Readers and writers of embedding files: the one place that knows file layouts."""
from .registry import READERS, detect_format, format_names, load

__all__ = ["READERS", "detect_format", "format_names", "load"]
