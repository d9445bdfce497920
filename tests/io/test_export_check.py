"""verify_export and diff_exports on real exports of the sample: a clean export holds in every
format; each kind of damage is a finding naming the file and the place."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from embedscope.cli import main
from embedscope.core.errors import EmbeddingFormatError
from embedscope.core.jobs import Cancelled
from embedscope.io.export_check import verify_export
from embedscope.io.export_diff import diff_exports

FORMATS = ("npy", "npz", "safetensors", "word2vec", "word2vec-bin", "glove", "tsv")


def export(sample_path, out, *options):
    code = main(["export", str(sample_path), "--top", "300", "-o", str(out), *options])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory, sample_path):
    return export(sample_path, tmp_path_factory.mktemp("clean") / "e", "--pad", "--unk")


@pytest.fixture
def copy(clean, tmp_path):
    return shutil.copytree(clean, tmp_path / "copy")


def rehash(folder, name):
    """Update the manifest's size and hash of `name`, as someone covering an edit would."""
    from embedscope.core.export import file_sha256

    manifest = json.loads((folder / "manifest.json").read_text())
    for f in manifest["files"]:
        if f["name"] == name:
            f["bytes"] = (folder / name).stat().st_size
            f["sha256"] = file_sha256(folder / name)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_a_clean_export_holds_in_every_format_with_and_without_the_source(
        fmt, dtype, sample_path, sample, tmp_path):
    out = export(sample_path, tmp_path / "e", "--pad", "--unk", "--word", "qqzzyx", "--word",
                 "Paris", "--format", fmt, "--dtype", dtype)
    report = verify_export(out)
    assert report.ok and report.findings == [], report.findings
    report = verify_export(out, source=sample)
    assert report.ok and report.findings == [], report.findings
    assert report.origins == {"from the source": 300, "from the source by case fallback": 1,
                              "padding (zeros)": 1, "special token (mean)": 1,
                              "missing word (random)": 1}


def test_a_normalised_export_holds_against_its_source(sample_path, sample, tmp_path):
    out = export(sample_path, tmp_path / "e", "--pad", "--unk", "--normalize", "--dtype",
                 "float16")
    assert verify_export(out, source=sample).findings == []


def test_a_tampered_row_is_named_by_file_and_row(copy):
    m = np.load(copy / "embeddings.npy")
    m[17, 3] += 0.25
    np.save(copy / "embeddings.npy", m)
    report = verify_export(copy)
    f = next(f for f in report.findings if f.code == "file-changed")
    assert not report.ok and f.file == "embeddings.npy" and "changed after the export" in f.message


def test_a_row_changed_with_its_hash_updated_is_caught_against_the_source(copy, sample):
    m = np.load(copy / "embeddings.npy")
    m[17, 3] += 0.25
    np.save(copy / "embeddings.npy", m)
    rehash(copy, "embeddings.npy")
    assert verify_export(copy).ok  # the files agree with each other and with the manifest
    report = verify_export(copy, source=sample)
    assert report.codes == ["row-differs-from-source"]
    f = report.findings[0]
    word = (copy / "vocab.txt").read_text().split("\n")[17]
    assert f.file == "embeddings.npy" and f.place == f"row 17 ('{word}')"
    assert f.message == (f"row 17 ('{word}') differs from the source's row "
                         f"{sample.row(word)}: largest difference 0.25")


def test_a_reordered_vocab_is_caught(copy):
    words = (copy / "vocab.txt").read_text().split("\n")
    words[5], words[6] = words[6], words[5]
    (copy / "vocab.txt").write_text("\n".join(words))
    rehash(copy, "vocab.txt")
    report = verify_export(copy)
    f = next(f for f in report.findings if f.code == "word-index-disagrees")
    assert f.file == "word_index.json" and f.count == 2
    assert f.place == f"'{words[6]}'"
    assert f"'{words[6]}' → row 5, but vocab.txt has it on line 7 (row 6)" in f.message


def test_a_truncated_matrix_is_caught(copy):
    data = (copy / "embeddings.npy").read_bytes()
    (copy / "embeddings.npy").write_bytes(data[:-200])
    report = verify_export(copy)
    f = next(f for f in report.findings if f.code == "matrix-unreadable")
    assert f.file == "embeddings.npy" and f.place.startswith("byte") and "truncated" in f.message
    assert "file-changed" in report.codes


def test_a_matrix_with_rows_cut_off_is_caught_as_a_row_count(copy):
    np.save(copy / "embeddings.npy", np.load(copy / "embeddings.npy")[:-3])
    rehash(copy, "embeddings.npy")
    report = verify_export(copy)
    f = next(f for f in report.findings if f.code == "matrix-rows")
    assert f.message == "embeddings.npy has 299 rows; vocab.txt has 302 words"


def test_an_edited_manifest_is_caught(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["unk_index"] = 7
    manifest["counts"]["rows"] = 400
    (copy / "manifest.json").write_text(json.dumps(manifest))
    report = verify_export(copy)
    places = {(f.code, f.place) for f in report.findings}
    assert ("special-token", "'unk_index'") in places
    assert ("manifest-counts", "'counts.rows'") in places
    assert all(f.file == "manifest.json" for f in report.findings)


def test_a_non_zero_padding_row_is_caught(copy):
    m = np.load(copy / "embeddings.npy")
    m[0, 10] = 1e-7
    np.save(copy / "embeddings.npy", m)
    rehash(copy, "embeddings.npy")
    report = verify_export(copy)
    assert report.codes == ["padding-not-zero"]
    assert report.findings[0].place == "row 0 ('<pad>')"


def test_a_folder_that_is_not_an_export_cannot_be_read(tmp_path):
    with pytest.raises(EmbeddingFormatError, match="no manifest.json"):
        verify_export(tmp_path)
    (tmp_path / "manifest.json").write_text("{")
    with pytest.raises(EmbeddingFormatError, match="line 1"):
        verify_export(tmp_path)


def test_verify_reports_progress_and_can_be_cancelled(clean, sample):
    seen = []
    verify_export(clean, source=sample, progress=lambda d, t, m="": seen.append((d, t)))
    assert seen and seen[-1] == (1000, 1000)
    with pytest.raises(Cancelled):
        verify_export(clean, source=sample, should_stop=lambda: True)


def test_diff_names_words_added_removed_and_moved_and_the_settings(sample_path, clean, tmp_path):
    other = export(sample_path, tmp_path / "b", "--unk", "--top", "310")  # no <pad>
    d = diff_exports(clean, other)
    assert d.removed == ["<pad>"] and len(d.added) == 10
    assert d.moved[0] == ("<unk>", 1, 0) and len(d.moved) == 301
    assert d.changed == 0 and d.compared == 301
    assert d.settings["selection.pad"] == ("<pad>", None)
    assert d.settings["pad_index"] == (0, None)
    assert not d.identical


def test_diff_measures_changed_values(clean, copy):
    m = np.load(copy / "embeddings.npy")
    m[40] += 0.5
    np.save(copy / "embeddings.npy", m)
    d = diff_exports(clean, copy)
    word = (copy / "vocab.txt").read_text().split("\n")[40]
    assert d.changed == 1 and d.largest_change == pytest.approx(0.5, abs=1e-5)
    assert d.largest_change_word == word
    assert d.settings == {} and not d.identical


def test_diff_of_an_export_with_itself_is_empty(clean, copy):
    d = diff_exports(clean, copy)
    assert d.identical and d.to_dict()["added"] == [] and d.settings == {}
