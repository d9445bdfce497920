"""Export faults give messages, leave the previous export under its name, never delete a folder
the user made, and the hidden folders of a killed run are cleaned up (or the old export put
back) by the next run: a kill at any moment leaves the old export or the new one."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import embedscope
from embedscope.cli import main
from embedscope.core.errors import ExportRefusedError
from embedscope.core.export import ExportPlan
from embedscope.core.vocabulary import TopWords
from embedscope.io import export_folder as export_mod
from embedscope.io.export_folder import ExportWriteError, recover_interrupted, write_export

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
PLAN = ExportPlan(sources=[TopWords(50)])


def _listing(folder):
    return sorted(p.name for p in Path(folder).iterdir())


def _export_cli(capsys, sample_path, out, *options):
    code = main(["export", str(sample_path), "--top", "50", "-o", str(out), *options])
    return code, capsys.readouterr().err


def _run_killed(sample_path, out, kill_when: str, force=False):
    """Run an export in another process that dies (os._exit, no clean-up) at `kill_when`."""
    app = str(Path(embedscope.__file__).resolve().parents[1])
    script = textwrap.dedent(f"""
        import os, sys
        import embedscope
        from embedscope.core.export import ExportPlan
        from embedscope.core.vocabulary import TopWords
        from embedscope.io import export_folder as m

        real_rename = os.rename
        def rename(src, dst):
            if {kill_when!r} == "between the renames" and ".writing-" in str(src):
                os._exit(9)
            real_rename(src, dst)
        def verify(*args, **kwargs):
            os._exit(9)
        m.os.rename = rename
        if {kill_when!r} == "while writing":
            m._verify = verify
        emb = embedscope.load({str(sample_path)!r})
        m.write_export(emb, ExportPlan(sources=[TopWords(20)]), {str(out)!r}, force={force})
    """)
    env = dict(os.environ, PYTHONPATH=app)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 9, done.stderr


# --- messages instead of tracebacks ----------------------------------------------------------
def test_output_under_a_file_is_refused_with_a_message(sample_path, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    code, err = _export_cli(capsys, sample_path, tmp_path / "afile" / "sub" / "out")
    assert code == 1 and "afile is a file" in err and "Traceback" not in err
    assert _listing(tmp_path) == ["afile"]


def test_no_space_left_is_a_message_and_leaves_nothing(sample, tmp_path, monkeypatch):
    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(export_mod.np, "save", full)
    with pytest.raises(ExportWriteError, match="No space left on device.*as it was before"):
        write_export(sample, PLAN, tmp_path / "o")
    assert _listing(tmp_path) == []


def test_a_file_size_limit_is_a_message_on_the_command_line(sample_path, tmp_path):
    """`ulimit -f`: the write fails with EFBIG (Python ignores SIGXFSZ); exit 1, a message."""
    pytest.importorskip("resource")
    app = str(Path(embedscope.__file__).resolve().parents[1])
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
        from embedscope.cli import main
        sys.exit(main(["export", {str(sample_path)!r}, "--top", "2000", "--no-cache",
                       "-o", {str(tmp_path / "o")!r}]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=app), timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "File too large" in done.stderr or "file size limit" in done.stderr
    assert _listing(tmp_path) == []


def test_a_permission_refused_by_the_system_is_a_message(sample_path, tmp_path, capsys,
                                                          monkeypatch):
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if ".writing-" in self.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    code, err = _export_cli(capsys, sample_path, tmp_path / "o")
    assert code == 1 and "Permission denied" in err and "Traceback" not in err
    assert _listing(tmp_path) == []


def test_a_read_only_parent_is_refused_before_any_work(sample, tmp_path, monkeypatch):
    parent = tmp_path / "ro"
    parent.mkdir()
    monkeypatch.setattr(export_mod.os, "access", lambda p, mode: Path(p) != parent)
    with pytest.raises(ExportRefusedError, match="ro is read-only"):
        write_export(sample, PLAN, parent / "o")
    assert _listing(parent) == []


def test_a_read_only_target_folder_is_refused_and_kept(sample, tmp_path, monkeypatch):
    for contents in ([], ["mine.txt"]):
        out = tmp_path / f"o{len(contents)}"
        out.mkdir()
        for name in contents:
            (out / name).write_text("keep me")
        monkeypatch.setattr(export_mod.os, "access", lambda p, mode, out=out: Path(p) != out)
        with pytest.raises(ExportRefusedError, match="is read-only"):
            write_export(sample, PLAN, out, force=True)
        assert _listing(out) == contents
    assert _listing(tmp_path) == ["o0", "o1"]


@pytest.mark.skipif(AS_ROOT or sys.platform == "win32", reason="root writes anywhere")
def test_real_read_only_folders(sample, tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    parent.chmod(0o555)
    empty.chmod(0o555)
    try:
        with pytest.raises(ExportRefusedError, match="read-only"):
            write_export(sample, PLAN, parent / "o")
        with pytest.raises(ExportRefusedError, match="read-only"):
            write_export(sample, PLAN, empty)
        assert empty.is_dir() and _listing(empty) == []
    finally:
        parent.chmod(0o755)
        empty.chmod(0o755)


# --- the user's folder is never deleted --------------------------------------------------------
def test_an_empty_folder_of_the_user_is_kept_and_filled(sample, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    out.chmod(0o750)
    inode = out.stat().st_ino
    write_export(sample, PLAN, out)
    assert out.stat().st_ino == inode and out.stat().st_mode & 0o777 == 0o750
    assert "manifest.json" in _listing(out) and _listing(tmp_path) == ["mine"]


def test_a_failure_while_filling_the_users_folder_leaves_it_empty(sample, tmp_path, monkeypatch):
    out = tmp_path / "mine"
    out.mkdir()
    real_rename = os.rename

    def fail_on_manifest(src, dst):
        if Path(dst).name == "manifest.json":
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(export_mod.os, "rename", fail_on_manifest)
    with pytest.raises(ExportWriteError, match="Input/output error"):
        write_export(sample, PLAN, out)
    assert out.is_dir() and _listing(out) == [] and _listing(tmp_path) == ["mine"]


# --- killed runs ---------------------------------------------------------------------------------
def test_leftovers_of_a_killed_run_are_cleaned_by_the_next(sample, sample_path, tmp_path):
    out = tmp_path / "o"
    _run_killed(sample_path, out, "while writing")
    left = _listing(tmp_path)
    assert len(left) == 1 and left[0].startswith(".o.writing-")
    m = write_export(sample, PLAN, out)
    assert _listing(tmp_path) == ["o"]
    assert any("hidden folder" in w for w in m["warnings"])


def test_a_kill_between_the_renames_of_force_gives_the_old_export_back(sample, sample_path,
                                                                        tmp_path):
    out = tmp_path / "o"
    write_export(sample, ExportPlan(sources=[TopWords(7)]), out)
    old_words = (out / "vocab.txt").read_text(encoding="utf-8")
    _run_killed(sample_path, out, "between the renames", force=True)
    assert not out.exists()  # the old export waits hidden as .o.replaced-…
    assert any(n.startswith(".o.replaced-") for n in _listing(tmp_path))
    notes = recover_interrupted(out)
    assert (out / "vocab.txt").read_text(encoding="utf-8") == old_words
    assert _listing(tmp_path) == ["o"] and any("put back" in n for n in notes)
    # and an export run after the kill does the same on its own, then replaces it
    _run_killed(sample_path, out, "between the renames", force=True)
    m = write_export(sample, PLAN, out, force=True)
    assert _listing(tmp_path) == ["o"] and any("put back" in w for w in m["warnings"])
    assert json.loads((out / "manifest.json").read_text())["counts"]["rows"] == 50


def test_hidden_folders_of_a_running_export_are_left_alone(sample, tmp_path):
    out = tmp_path / "o"
    busy = tmp_path / f".o.writing-{os.getpid()}-{'a' * 12}"
    busy.mkdir()
    recover_interrupted(out)
    assert _listing(tmp_path) == [busy.name]


def test_hidden_folders_named_by_earlier_versions_are_cleaned_once_untouched(tmp_path):
    """Earlier versions named their temporary folders without a process id: an old one (an
    hour untouched) is cleaned, or put back when it is a set-aside export; a fresh one is not."""
    out = tmp_path / "o"
    old_writing = tmp_path / ".o.writing-0123456789ab"
    old_replaced = tmp_path / ".o.replaced-89abcdef"
    fresh = tmp_path / ".o.writing-ba9876543210"
    for folder in (old_writing, old_replaced, fresh):
        folder.mkdir()
    (old_replaced / "vocab.txt").write_text("the\n", encoding="utf-8")
    hour_ago = time.time() - 2 * 3600
    for folder in (old_writing, old_replaced):
        os.utime(folder, (hour_ago, hour_ago))
    notes = recover_interrupted(out)
    assert sorted(_listing(tmp_path)) == sorted([fresh.name, "o"])
    assert (out / "vocab.txt").read_text(encoding="utf-8") == "the\n"
    assert any("put back" in n for n in notes)
