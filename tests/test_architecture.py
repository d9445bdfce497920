"""The model stays free of Qt: core/, io/ and the CLI must import without PySide6 — and without
the heavy libraries, which load when first used. Modules named *_kernels hold compiled loops and
import numba themselves; the rest import them only when the loops are needed."""
import subprocess
import sys


def test_core_io_and_cli_do_not_import_qt():
    code = (
        "import sys, importlib, pkgutil\n"
        "import embedscope, embedscope.core, embedscope.io, embedscope.cli, embedscope.commands\n"
        "for pkg in (embedscope.core, embedscope.io, embedscope.commands):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        if not m.name.endswith('_kernels'):\n"
        "            importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "embedscope.cli.build_parser()\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]\n"
        "assert not bad, bad\n"
        "heavy = ('umap', 'numba', 'sklearn', 'openTSNE', 'torch', 'faiss', 'keras')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "for pkg in (embedscope.core, embedscope.io):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        if m.name.endswith('_kernels'):\n"
        "            importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sample_ships_with_words(sample):
    assert sample.rows == 20000 and sample.dim == 50
    assert sample.words[:4] == ["the", ",", ".", "of"]
