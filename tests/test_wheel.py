"""`pip install .` gives a working `embedscope`: the wheel carries every module, the sample and
the icons (and no tests), and once installed in a fresh venv it runs from anywhere without
reading a file of the clone."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "glove.6B.50d.20k"

pytestmark = pytest.mark.slow


def _build_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["EMBEDSCOPE_CACHE_DIR"] = str(tmp / "cache")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built the way `pip install .` builds it, from a copy of the project so the
    build's own folders (build/, *.egg-info) never land in the shared working tree."""
    try:
        import setuptools
    except ImportError:
        pytest.skip("setuptools is not installed in this environment ('make setup' installs it)")
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    if (major, minor) < (70, 1):
        pytest.skip(f"setuptools {setuptools.__version__} cannot build wheels by itself; "
                    "'make setup' installs >= 70.1")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in ("app", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp / "dist"
    # --no-build-isolation: an isolated build would fetch setuptools from an index, and tests
    # run offline; the project's venv already has the build backend.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(out), str(src)],
                   check=True, cwd=tmp, env=_build_env(tmp), timeout=120)
    (whl,) = out.glob("embedscope-*.whl")
    return whl


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory) -> Path:
    """A new venv with only the wheel installed in it.

    Installing PySide6, umap, numba, gensim... again would take minutes and need the network,
    so the venv sees the project's .venv site-packages through a .pth line, placed after its
    own site-packages, and the wheel goes in with --no-deps. A plain path line in a .pth adds
    that folder to sys.path without running the .pth files inside it, so the project's
    editable install of embedscope stays invisible: only the wheel's copy can be imported."""
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True, env=_build_env(venv.parent),
                   timeout=120)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([str(py), "-c", purelib],
                          check=True, capture_output=True, text=True).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]  # this (the project's) environment's packages
    Path(site, "zz_embedscope_test_dependencies.pth").write_text(deps + "\n", encoding="utf-8")
    return venv


def test_wheel_has_every_module_the_sample_and_icons_and_no_tests(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in (f"sample/{SAMPLE}.npy", f"sample/{SAMPLE}.vocab.txt", "icons/embedscope.svg",
              "icons/embedscope.png", "icons/embedscope.ico", "icons/embedscope-16.png",
              "icons/embedscope-512.png"):
        assert f"embedscope/_resources/{f}" in names, f
    assert not [n for n in names if n.startswith(("tests/", "bench/", "packaging/"))
                or "/tests/" in n or n.rsplit("/", 1)[-1].startswith("test_")]
    # Every file of the package in the clone must be in the wheel: pyproject.toml lists the
    # packages by hand, so a new subpackage (gui/docks…) or data file is easy to forget.
    app = ROOT / "app"
    missing = sorted(
        p.relative_to(app).as_posix() for p in (app / "embedscope").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        and p.relative_to(app).as_posix() not in names)
    assert not missing, (
        f"not in the wheel: {missing}; add their package to [tool.setuptools] packages "
        "(or package-data) in pyproject.toml")
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "embedscope = embedscope.cli:main" in text


def test_installed_command_runs_on_the_bundled_sample_from_elsewhere(fresh_venv, tmp_path):
    env = _build_env(tmp_path)
    py, exe = fresh_venv / "bin" / "python", fresh_venv / "bin" / "embedscope"
    assert (fresh_venv / "bin" / "embedscope-gui").is_file()  # the window's launcher script
    where = subprocess.run(
        [str(py), "-c", "import embedscope, embedscope.resources as r; "
         "print(embedscope.__file__); print(embedscope.sample_path()); print(r.icon_path())"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env).stdout.split("\n")
    module, sample, icon = (Path(x) for x in where[:3])
    for p in (module, sample, icon):
        assert p.is_relative_to(fresh_venv), p
    assert sample.is_file() and icon.is_file()

    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                             cwd=tmp_path, env=env)
    import embedscope

    assert version.returncode == 0
    assert version.stdout.strip() == f"embedscope {embedscope.__version__}"

    info = subprocess.run([str(exe), "info", str(sample), "--json"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=60)
    assert info.returncode == 0, info.stderr
    d = json.loads(info.stdout)
    assert (d["rows"], d["dim"]) == (20000, 50)
    assert Path(d["path"]).is_relative_to(fresh_venv)
    assert Path(d["vocab_path"]).is_relative_to(fresh_venv)


def test_installed_package_opens_no_file_of_the_clone(fresh_venv, tmp_path):
    """An audit hook records every file Python opens while `embedscope info` runs on the
    sample: none may be in the clone (its .venv, which stands in for the installed
    dependencies, excepted)."""
    code = (
        "import sys, json\n"
        "opened = []\n"
        "sys.addaudithook(lambda ev, a: opened.append(str(a[0])) "
        "if ev == 'open' and isinstance(a[0], str) else None)\n"
        "import embedscope\n"
        "from embedscope.cli import main\n"
        "code = main(['info', str(embedscope.sample_path())])\n"
        "print(json.dumps({'code': code, 'opened': opened}), file=sys.stderr)\n"
    )
    r = subprocess.run([str(fresh_venv / "bin" / "python"), "-c", code], capture_output=True,
                       text=True, cwd=tmp_path, env=_build_env(tmp_path), timeout=60)
    report = json.loads(r.stderr.strip().splitlines()[-1])
    assert report["code"] == 0 and "rows        20,000" in r.stdout
    clone = str(ROOT) + os.sep
    venv = str(ROOT / ".venv") + os.sep
    from_clone = [p for p in report["opened"]
                  if os.path.abspath(p).startswith(clone)
                  and not os.path.abspath(p).startswith(venv)]
    assert not from_clone, from_clone
    assert any(p.endswith(f"{SAMPLE}.npy") for p in report["opened"])
