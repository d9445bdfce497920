"""Made-up rows of an export (the <unk> mean, --special rows, random rows for missing words)
are finite even when the source holds NaN or infinite rows, and the manifest says how many
source rows were left out; float16 refuses values it cannot hold, naming the rows."""
from __future__ import annotations

import numpy as np
import pytest

from embedscope.core.embedding import Embedding
from embedscope.core.errors import ExportRefusedError
from embedscope.core.export import ExportPlan, matrix_stats, rows_left_out_of_stats
from embedscope.core.vocabulary import TopWords, Words
from embedscope.io.export_check import verify_export
from embedscope.io.export_folder import write_export


def _with_bad_rows():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((200, 8)).astype(np.float32)
    vectors[3, 2] = np.nan
    vectors[7, 0] = np.inf
    vectors[9, 5] = -np.inf
    return Embedding([f"w{i}" for i in range(200)], vectors)


def test_mean_and_spread_come_from_the_finite_rows_only():
    emb = _with_bad_rows()
    mean, std = matrix_stats(emb)
    good = np.delete(np.asarray(emb.vectors, np.float64), [3, 7, 9], axis=0)
    np.testing.assert_allclose(mean, good.mean(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(std, good.std(axis=0), rtol=1e-6)
    assert rows_left_out_of_stats(emb) == 3


def test_unk_special_and_random_rows_are_finite_and_the_manifest_counts_the_left_out_rows(
        tmp_path):
    emb = _with_bad_rows()
    plan = ExportPlan(sources=[TopWords(20), Words(["qqmissing1", "qqmissing2"])],
                      pad="<pad>", unk="<unk>", unk_init="mean", specials=["<s>", "</s>"],
                      special_init="random", oov="random")
    m = write_export(emb, plan, tmp_path / "o", hash_source=False)
    mat = np.load(tmp_path / "o" / "embeddings.npy")
    words = (tmp_path / "o" / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    made_up = [words.index(t) for t in ("<unk>", "<s>", "</s>", "qqmissing1", "qqmissing2")]
    assert np.isfinite(mat[made_up]).all()
    assert m["initialisation"]["source_rows_left_out"] == 3
    assert any("3 source rows" in w and "left out" in w for w in m["warnings"])
    # the copied rows stay as they are in the source: an export does not mend data
    assert np.isnan(mat[words.index("w3"), 2])


def test_verify_accepts_the_mean_row_of_a_source_with_bad_rows(tmp_path):
    emb = _with_bad_rows()
    plan = ExportPlan(sources=[Words(["w1", "w2"])], unk="<unk>", unk_init="mean")
    write_export(emb, plan, tmp_path / "o", hash_source=False)
    report = verify_export(tmp_path / "o", source=emb)
    assert "rule-row" not in " ".join(report.codes), report.to_dict()
    assert report.ok, report.to_dict()


def test_no_made_up_rows_no_count():
    emb = _with_bad_rows()
    from embedscope.io.export_folder import preview

    pv = preview(emb, ExportPlan(sources=[TopWords(5)]))
    assert pv.manifest["initialisation"]["source_rows_left_out"] is None


def test_float16_refuses_values_beyond_its_range_naming_the_rows(tmp_path):
    vectors = np.ones((5, 4), np.float32)
    vectors[2, 1] = 1e6
    vectors[4, 0] = -7e4
    emb = Embedding(["a", "b", "big", "d", "huge"], vectors)
    with pytest.raises(ExportRefusedError, match=r"rows 2 \('big'\), 4 \('huge'\)"):
        write_export(emb, ExportPlan(sources=[TopWords(5)], dtype="float16"), tmp_path / "o",
                     hash_source=False)
    assert not (tmp_path / "o").exists()
    # scaled to unit length the same rows fit
    write_export(emb, ExportPlan(sources=[TopWords(5)], dtype="float16", normalize=True),
                 tmp_path / "o", hash_source=False)
    assert np.isfinite(np.load(tmp_path / "o" / "embeddings.npy")).all()
