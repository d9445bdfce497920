"""PyInstaller runtime hook: settings the frozen app needs before anything is imported."""
import os

# Only PySide6 is bundled; pyqtgraph would otherwise probe PyQt6/PyQt5 first.
os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
