"""Where the window remembers things between runs (geometry, dock layout, recent files).

QSettings under organisation "Embedscope"; $EMBEDSCOPE_SETTINGS_DIR (set by the tests) moves
them to a private folder so a test never touches the user's own settings.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings

RECENT_MAX = 10


def settings() -> QSettings:
    folder = os.environ.get("EMBEDSCOPE_SETTINGS_DIR")
    if folder:
        return QSettings(os.path.join(folder, "embedscope.ini"), QSettings.Format.IniFormat)
    return QSettings("Embedscope", "Embedscope")


def recent_files() -> list[str]:
    value = settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent_file(path: str) -> list[str]:
    path = os.path.abspath(path)
    files = [f for f in recent_files() if f != path]
    files.insert(0, path)
    files = files[:RECENT_MAX]
    settings().setValue("recent_files", files)
    return files
