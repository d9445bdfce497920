"""The window sets the process-wide knobs it relies on, once, before its first job runs."""
from __future__ import annotations

import gc
import sys

import pytest

pytest.importorskip("pytestqt")


def test_the_window_tunes_the_process_once(qtbot):
    from threadpoolctl import threadpool_info

    from embedscope.gui import process
    from embedscope.gui.main_window import MainWindow

    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    # the GIL handed around often enough for the UI thread, collections rare and short
    assert sys.getswitchinterval() == pytest.approx(process.SWITCH_INTERVAL)
    assert gc.get_threshold()[0] == process.YOUNG_THRESHOLD
    # BLAS never changes its thread count under a running job
    assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    gc.set_threshold(700, *gc.get_threshold()[1:])
    process.tune_process()  # a second window changes nothing
    assert gc.get_threshold()[0] == 700
    gc.set_threshold(process.YOUNG_THRESHOLD, *gc.get_threshold()[1:])
