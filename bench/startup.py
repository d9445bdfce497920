"""Time from launching `embedscope` to its window on screen, against a bare Qt window.

    .venv/bin/python bench/startup.py [--runs 5]

Each run is a fresh process (`python -m embedscope`, which opens the bundled sample) with
EMBEDSCOPE_STARTUP_PROBE=1: once the event loop has shown the window, the app prints the
clock time and which heavy libraries were imported, then quits; the time to the window is
that minus the moment this script launched the process (interpreter start included). The
peer is the floor any PySide6 + pyqtgraph app pays: a process that imports both, shows an
empty PlotWidget and quits the same way. Target (issue 7): ≤ 1.5 s, and none of umap, numba,
sklearn, openTSNE, gensim, torch imported at startup.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PEER = r"""
import os, sys, time
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import pyqtgraph as pg
app = QApplication([])
w = pg.PlotWidget()
w.resize(1400, 900)
w.show()
def probe():
    print(f"shown {time.time():.4f} heavy=-", flush=True)
    app.quit()
QTimer.singleShot(0, probe)
app.exec()
"""


def one(cmd, env) -> tuple[float, str]:
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("shown ")), None)
    if line is None:
        raise SystemExit(f"no probe line from {cmd}:\n{out.stdout}\n{out.stderr}")
    _, secs, heavy = line.split()
    return float(secs) - start, heavy.split("=", 1)[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="embedscope-startup-")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               EMBEDSCOPE_STARTUP_PROBE="1", EMBEDSCOPE_SETTINGS_DIR=tmp,
               EMBEDSCOPE_CACHE_DIR=os.path.join(tmp, "cache"), PYQTGRAPH_QT_LIB="PySide6")
    ours_cmd = [sys.executable, "-m", "embedscope"]
    peer_cmd = [sys.executable, "-c", PEER]
    one(ours_cmd, env)  # warm the OS file cache once, as a second launch would be
    ours, peer, heavy = [], [], set()
    for _ in range(args.runs):
        s, h = one(ours_cmd, env)
        ours.append(s)
        if h != "-":
            heavy.update(h.split(","))
        peer.append(one(peer_cmd, env)[0])
    mo, mp = statistics.median(ours), statistics.median(peer)
    print(f"{'':28}{'median':>9}{'min':>9}{'max':>9}")
    print(f"{'embedscope window':28}{mo:9.3f}{min(ours):9.3f}{max(ours):9.3f}  s")
    print(f"{'bare PySide6+pyqtgraph':28}{mp:9.3f}{min(peer):9.3f}{max(peer):9.3f}  s")
    print(f"ratio embedscope / bare window: {mo / mp:.2f}×")
    print(f"heavy libraries imported at startup: {', '.join(sorted(heavy)) or 'none'}")
    ok = mo <= 1.5 and not heavy
    print(f"target ≤ 1.5 s with no heavy import: {'met' if ok else 'MISSED'} ({mo:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
