"""The window: the only package where PySide6 and pyqtgraph appear."""
