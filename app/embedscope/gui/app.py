"""Starting the window: `embedscope` opens the bundled sample, `embedscope FILE [--vocab F]`
opens FILE. Heavy libraries (umap, numba, sklearn, openTSNE, gensim, torch) are imported only
by the jobs that use them, so the window shows fast.

EMBEDSCOPE_STARTUP_PROBE=1 makes the app print `shown <epoch seconds> heavy=<libraries>` once
the window is on screen, then quit — bench/startup.py subtracts its launch time.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph would try PyQt6 first


def parse_args(argv):
    p = argparse.ArgumentParser(prog="embedscope", description="The Embedscope window.")
    p.add_argument("path", nargs="?", metavar="FILE", help="an embedding file to open")
    p.add_argument("--vocab", metavar="FILE", help="words file for a bare matrix or checkpoint")
    p.add_argument("--tensor", metavar="NAME", help="which checkpoint tensor is the embedding")
    p.add_argument("--trust-pickle", action="store_true",
                   help="allow gensim pickle files without asking")
    return p.parse_args(argv)


def make_app(argv=None):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(list(argv or ["embedscope"]))
    app.setOrganizationName("Embedscope")
    app.setApplicationName("Embedscope")
    # Lets Wayland and desktop shells match the window to the installed .desktop entry and icon.
    app.setDesktopFileName("io.github.embedscope.Embedscope")
    from .._version import __version__

    app.setApplicationVersion(__version__)
    return app


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    app = make_app([sys.argv[0] if sys.argv else "embedscope"])
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    if args.path:
        window.open_file(args.path, vocab=args.vocab, tensor=args.tensor,
                         trust_pickle=args.trust_pickle)
    else:
        window.open_sample()
    if os.environ.get("EMBEDSCOPE_STARTUP_PROBE"):
        from PySide6.QtCore import QTimer

        def probe():
            heavy = [m for m in ("umap", "numba", "sklearn", "openTSNE", "gensim", "torch")
                     if m in sys.modules]
            print(f"shown {time.time():.4f} heavy={','.join(heavy) or '-'}", flush=True)
            app.quit()

        QTimer.singleShot(0, probe)  # runs once the event loop has painted the window
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
