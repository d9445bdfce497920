"""The Linux desktop entry and AppStream metainfo agree with the package: the command they
start exists, the icon they name is shipped, the release is the package's version, and the
freedesktop validators accept them where those tools are installed."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.embedscope.Embedscope"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"


def _desktop_entry() -> dict:
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str  # keys are case-sensitive
    cp.read_string(DESKTOP.read_text(encoding="utf-8"))
    return dict(cp["Desktop Entry"])


def _scripts() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["scripts"]


def test_desktop_entry_starts_the_installed_command_with_a_file():
    entry = _desktop_entry()
    command, *args = entry["Exec"].split()
    assert command in _scripts() and entry["TryExec"] == command
    assert args == ["%f"]  # `embedscope FILE` opens the window on that file
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert entry["Icon"] == APP_ID


def test_metainfo_matches_the_desktop_entry_and_the_version():
    import embedscope

    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") in _scripts()
    releases = [r.get("version") for r in root.iter("release")]
    assert releases and releases[0] == embedscope.__version__, (
        "add a <release> for the new version to the metainfo")
    assert root.findtext("project_license") == "MIT"


def test_icons_the_menu_needs_are_shipped():
    icons = ROOT / "resources" / "icons"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        png = (icons / f"embedscope-{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (size, size)
    ico = (icons / "embedscope.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") == 7


@pytest.mark.skipif(not shutil.which("desktop-file-validate"),
                    reason="desktop-file-validate not installed (Debian: desktop-file-utils)")
def test_desktop_file_validate_accepts_the_entry():
    r = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert r.returncode == 0 and "error" not in r.stdout, r.stdout + r.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"),
                    reason="appstreamcli not installed (Debian: appstream)")
def test_appstreamcli_accepts_the_metainfo():
    r = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_committed_icon_renders_match_the_svg(qapp):
    """The PNGs are renders of embedscope.svg: editing the SVG without re-running
    packaging/render_icons.py would ship the old picture."""
    import importlib.util

    from PySide6.QtGui import QImage

    spec = importlib.util.spec_from_file_location("render_icons",
                                                  ROOT / "packaging" / "render_icons.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for size in (32, 256):
        fresh = QImage.fromData(mod.render_png(mod.SVG, size))
        committed = QImage(str(ROOT / "resources" / "icons" / f"embedscope-{size}.png"))
        assert fresh.size() == committed.size()
        fresh = fresh.convertToFormat(QImage.Format.Format_RGBA8888)
        committed = committed.convertToFormat(QImage.Format.Format_RGBA8888)
        a = bytes(fresh.constBits())
        b = bytes(committed.constBits())
        diff = sum(abs(x - y) for x, y in zip(a, b)) / len(a)
        assert diff < 2.0, f"embedscope-{size}.png differs from the SVG: re-run render_icons.py"
