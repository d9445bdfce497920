"""Render the real window in its main states and save PNGs: `make screenshots`.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/screenshots.py docs/screenshots

States: the map, neighbours, a word brought onto the map with its neighbourhood, named
clusters, the density view, an analogy with the benchmark evaluation, a check report (of a
copy of the sample whose words file was deliberately shifted by one line), a lasso selection,
the export dialog with its corpus coverage, a comparison with a "fine-tuned" copy, a words file
three lines short (the banner over the map, the Check panel with its fix, and the map after the
fix), a BERT-like model folder opened with its audit, the map coloured and filtered by the
columns of an attribute table, the Vectors panel, and the window at 1280×720. Settings and
caches go to a temporary folder.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
_tmp = tempfile.mkdtemp(prefix="embedscope-shots-")
os.environ.setdefault("EMBEDSCOPE_SETTINGS_DIR", _tmp)
os.environ.setdefault("EMBEDSCOPE_CACHE_DIR", os.path.join(_tmp, "cache"))


def wait(app, cond, timeout=60.0, settle=0.3):
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the state in time")
        app.processEvents()
        time.sleep(0.01)
    end = time.monotonic() + settle  # let timers (labels, repaint) run
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def save(widget, out: Path, name: str):
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(f"wrote {path}")


def write_corpus(emb, path: Path, tokens: int = 300_000, seed: int = 0) -> None:
    """A corpus of the sample's words drawn by Zipf's law over their frequency rank, with the
    kinds of words a vocabulary misses: names in capitals, hyphenated and accented words,
    numbers, and words it has never seen."""
    rng = np.random.default_rng(seed)
    words = np.array(list(emb.words) + [f"unseen{i}" for i in range(5_000)], dtype=object)
    p = 1.0 / (np.arange(words.size) + 2.7) ** 1.05
    # the unseen words are rarer than the sample's 20,000: they stand in for a long tail
    text = list(rng.choice(words, size=tokens, p=p / p.sum()))
    extra = ["New-York", "state-of-the-art", "naïve", "café", "covid-19", "e-mail", "Zürich",
             "tweetstorm", "well-known", "1997-98"]
    for i, w in enumerate(extra):
        for pos in rng.integers(0, tokens, 400 // (i + 1)):
            text[pos] = w
    lines = [" ".join(text[i:i + 20]) for i in range(0, tokens, 20)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def export_coverage(app, w, dlg, out: Path) -> None:
    """The export dialog's Corpus coverage tab on a corpus, with suggestions applied."""
    from PySide6.QtCore import Qt

    corpus = Path(_tmp) / "train.txt"
    write_corpus(w.state.embedding, corpus)
    view = dlg.corpus_coverage
    dlg.tabs.setCurrentWidget(view)
    view.corpus.setText(str(corpus))
    view.lowercase.setChecked(True)
    view.count()
    wait(app, lambda: view.report is not None and not view.runner.busy, timeout=120)
    view.min_count.setValue(3)
    for i, missing in enumerate(view.report.missing[:8]):
        if missing.suggestion:
            view.missing_table.item(i, 2).setCheckState(Qt.CheckState.Checked)
    view.apply()
    wait(app, lambda: True, settle=0.6)
    save(dlg, out, "export-coverage")


def write_model_folder(emb, folder: Path) -> Path:
    """A BERT-like model folder of the sample: special tokens and 100 never-trained [unused*]
    rows in front, the table padded to a multiple of 64, position embeddings beside it."""
    import json

    from embedscope.io.checkpoint import write_safetensors

    rng = np.random.default_rng(0)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    unused = [f"[unused{i}]" for i in range(100)]
    tokens = specials + unused + list(emb.words[:8000])
    rows = -(-len(tokens) // 64) * 64
    table = rng.normal(0, 0.02, (rows, emb.dim)).astype(np.float32)
    table[:len(specials)] = rng.normal(0, 0.4, (len(specials), emb.dim))
    table[len(specials) + len(unused):len(tokens)] = emb.vectors[:8000]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(
        {"model_type": "bert", "vocab_size": rows, "hidden_size": emb.dim, "pad_token_id": 0}))
    (folder / "vocab.txt").write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    write_safetensors(folder / "model.safetensors", {
        "bert.embeddings.word_embeddings.weight": table,
        "bert.embeddings.position_embeddings.weight":
            rng.standard_normal((512, emb.dim)).astype(np.float32),
        "bert.embeddings.LayerNorm.weight": np.ones(emb.dim, dtype=np.float32)})
    return folder


def model_folder(app, w, out: Path) -> None:
    """A model folder opened through File → Open folder, its audit in the Check panel."""
    from embedscope.io.registry import load
    from embedscope.resources import sample_path

    # the sample itself: the window may hold the shifted copy of the check state
    folder = write_model_folder(load(sample_path()), Path(_tmp) / "bert-like")
    check = w.panels["check"]
    check.report = None
    w.questions.folder_to_open = lambda title, start: str(folder)
    w.open_folder_dialog()
    wait(app, lambda: w.state.embedding.source.format == "model-folder"
         and check.report is not None and w.state.projection is not None
         and not check.runner.busy, timeout=180)
    w.docks["check"].raise_()
    w.state.set_colour_mode("check finding")
    codes = [f.code for f in check.findings()]
    if codes:
        check.table.selectRow(0)
        check._show(0)
    w.map_view.fit()
    wait(app, lambda: True, settle=0.8)
    save(w, out, "model-folder")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    from embedscope.gui.app import make_app

    app = make_app()
    app.setStyle("Fusion")
    from embedscope.gui.main_window import MainWindow

    w = MainWindow(restore=False)
    w.questions.show_error = lambda title, text: print(f"error: {text}", file=sys.stderr)
    w.questions.pick_words_file = lambda path, candidates: candidates[0]
    w.resize(1400, 900)
    w.show()
    st = w.state
    w.open_sample()
    wait(app, lambda: st.projection is not None and w.panels["check"].report is not None)

    # 1. the map
    save(w, out, "map")

    # 2. neighbours of a picked word
    nb = w.panels["neighbours"]
    w.docks["neighbours"].raise_()
    st.pick(st.embedding.row("france"), centre=True)
    wait(app, lambda: len(nb.results) > 0 and not nb.runner.busy, settle=0.6)
    save(w, out, "neighbours")

    # 2b. a word that is not on the map (frog is word 12,260 of a 10,000-word map), brought
    # onto it with its neighbourhood; its neighbours labelled around it
    mv = w.map_view
    w.search.field.setText("frog")
    w.search.search()
    save(w, out, "map-around-offer")
    w.search.around.click()
    frog = st.embedding.row("frog")
    wait(app, lambda: st.picked == frog and mv.pos_of_row[frog] >= 0 and not nb.runner.busy
         and st.highlight_kind == "neighbours", timeout=120, settle=0.6)
    save(w, out, "map-around")

    # 2c. named clusters over the whole map, then the density view
    mv.fit()
    mv.clusters_button.setChecked(True)
    wait(app, lambda: len(mv._cluster_names) > 0, timeout=120, settle=0.6)
    save(w, out, "clusters")
    mv.density_button.setChecked(True)
    wait(app, lambda: True, settle=0.5)
    save(w, out, "density")
    mv.density_button.setChecked(False)
    mv.clusters_button.setChecked(False)
    w.search.field.clear()

    # 3. an analogy, and the benchmark evaluation
    an = w.panels["analogy"]
    w.docks["analogy"].raise_()
    an.field.setText("paris - france + italy")
    an.solve()
    wait(app, lambda: len(an.results) > 0 and not an.runner.busy)
    an.evaluate()
    wait(app, lambda: an.evaluation is not None, timeout=300, settle=0.6)
    save(w, out, "analogy")

    # 4. a lasso selection, coloured on the map
    mv.fit()
    lo, hi = np.percentile(mv.coords, [55, 80], axis=0)
    c, r = (lo + hi) / 2, (hi - lo) / 2
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    poly = np.c_[c[0] + r[0] * np.cos(t) * (1 + 0.25 * np.sin(3 * t)),
                 c[1] + r[1] * np.sin(t)]
    mv.set_mode("lasso")
    mv.show_shape(np.r_[poly, poly[:1]])
    mv.select_polygon(poly)
    st.set_colour_mode("selection")
    w.docks["selection"].raise_()
    wait(app, lambda: True, settle=0.5)
    save(w, out, "selection")
    mv.show_shape(None)
    mv.set_mode("pan")

    # 5. the export dialog, previewing the selection
    dlg = w.export_dialog()
    dlg.resize(1200, 760)
    dlg.folder.setText(str(Path(_tmp) / "export"))
    dlg.refresh_preview()
    wait(app, lambda: dlg.last_preview is not None, settle=0.5)
    save(dlg, out, "export")
    dlg.export()
    wait(app, lambda: dlg.manifest is not None, timeout=120, settle=0.5)
    save(dlg, out, "export-done")
    export_coverage(app, w, dlg, out)
    dlg.close()

    # 6. compare with a "fine-tuned" copy: every word nudged a little, the words around
    # "stock" pulled along one direction (what a finance task would do), a few wrecked
    src = st.embedding
    rng = np.random.default_rng(0)
    tuned = np.array(src.vectors, dtype=np.float32)
    scale = float(np.median(src.norms)) / np.sqrt(src.dim)
    tuned += rng.normal(0, 0.25 * scale, tuned.shape).astype(np.float32)
    u = src.unit_vectors
    topic = np.argsort(-(u[:10000] @ u[src.row("stock")]))[:400]
    tuned[topic] += (1.5 * scale * rng.normal(0, 1, src.dim)).astype(np.float32)
    for word in ("apple", "amazon", "shell", "bull", "bear"):
        tuned[src.row(word)] = rng.normal(0, scale, src.dim)
    tuned_dir = Path(_tmp) / "fine-tuned"
    tuned_dir.mkdir()
    np.save(tuned_dir / "embedding_weights.npy", tuned)
    (tuned_dir / "vocab.txt").write_text("".join(w_ + "\n" for w_ in src.words),
                                         encoding="utf-8")
    cmp = w.panels["compare"]
    w.docks["compare"].raise_()
    st.select_clear()  # the lasso of step 4 would be drawn over the change colours
    w.docks["check"].raise_()
    st.pick(src.row("bull"))  # picked first: the movers then stay labelled on the map
    cmp.open_other(str(tuned_dir / "embedding_weights.npy"))
    wait(app, lambda: cmp.view is not None, timeout=180)
    st.set_colour_mode("change (cosine to B)")
    wait(app, lambda: not cmp.side_runner.busy and cmp.neighbours is not None
         and cmp.neighbours[0] == "bull", settle=0.6)
    mv.fit()
    wait(app, lambda: True, settle=0.5)
    save(w, out, "compare")

    attribute_states(app, w, out)

    # 7. a check report: the sample with its words file shifted by one line
    st.set_colour_mode("frequency rank")
    src = st.embedding
    bad = Path(_tmp) / "glove-shifted"
    bad.mkdir()
    np.save(bad / "vectors.npy", np.asarray(src.vectors[:20000]))
    (bad / "vocab.txt").write_text("".join(w_ + "\n" for w_ in src.words[1:]) + "zzz\n",
                                   encoding="utf-8")
    check = w.panels["check"]
    check.report = None
    w.open_file(str(bad / "vectors.npy"))
    wait(app, lambda: check.report is not None and st.projection is not None, timeout=120)
    w.docks["check"].raise_()
    codes = [f.code for f in check.findings()]
    if codes:
        check.table.selectRow(0)
        check._show(0)
    st.set_colour_mode("check finding")
    w.docks["neighbours"].raise_()
    st.pick(st.embedding.row("paris"))
    wait(app, lambda: not nb.runner.busy and nb.field.text() == "paris", settle=0.6)
    save(w, out, "check")

    # 8. a words file three lines short: the banner, the check panel with its fix, the map
    # after the fix
    short = Path(_tmp) / "glove-short"
    short.mkdir()
    np.save(short / "vectors.npy", np.asarray(src.vectors[:20000]))
    (short / "vocab.txt").write_text("".join(w_ + "\n" for w_ in src.words[:20000 - 3]),
                                     encoding="utf-8")
    st.set_colour_mode("frequency rank")
    w.open_file(str(short / "vectors.npy"))
    wait(app, lambda: st.embedding is not None and st.embedding.source.path is not None
         and "glove-short" in st.embedding.source.path and st.check_report is not None
         and st.projection is not None, timeout=120)
    w.docks["check"].raise_()
    wait(app, lambda: True, settle=0.6)
    save(w, out, "pairing-banner")
    save(w.docks["check"], out, "pairing-check-fixes")
    unfixed = st.embedding
    check.fix_buttons[0].click()
    wait(app, lambda: st.embedding is not unfixed and st.check_report is not None
         and st.projection is not None, timeout=120, settle=0.8)
    save(w, out, "pairing-fixed")

    # 9. a model folder opened as one embedding, with the model audit
    model_folder(app, w, out)
    w.close()
    return 0


def attribute_table(path: Path, emb) -> Path:
    """A table of the kind a user brings: a coarse part of speech by suffix and a made-up
    corpus count (Zipf), for the sample's words."""
    import csv

    def pos(word):
        if not word.isalpha():
            return "PUNCT/NUM"
        for tail, tag in (("ly", "ADV"), ("ing", "VERB"), ("ed", "VERB"), ("tion", "NOUN"),
                          ("ness", "NOUN"), ("ous", "ADJ"), ("ful", "ADJ"), ("able", "ADJ"),
                          ("s", "NOUN (plural)")):
            if word.endswith(tail) and len(word) > len(tail) + 2:
                return tag
        return "other"

    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["word", "part of speech", "count"])
        out.writerows([word, pos(word), int(2e7 / (i + 10))] for i, word in enumerate(emb.words))
    return path


def attribute_states(app, w, out: Path):
    """Colour by a table's column, filter by a range brushed on a histogram, the Vectors panel,
    the window at 1280×720."""
    st = w.state
    mv = w.map_view
    st.select_clear()
    st.pick(-1)
    dock = w.panels["attributes"]
    w.docks["attributes"].show()
    w.docks["attributes"].raise_()
    dock.open_table(attribute_table(Path(_tmp) / "attributes.csv", st.embedding))
    dock.select_attribute("part of speech")
    st.set_colour_mode("part of speech")
    mv.fit()
    wait(app, lambda: True, settle=0.5)
    save(w, out, "attributes")

    dock.select_attribute("vector norm")
    norms = np.asarray(st.embedding.norms)[mv.rows]
    st.set_colour_mode("vector norm")
    dock.filter_check.setChecked(True)
    lo, hi = np.percentile(norms, [85, 100])
    dock.set_range(float(lo), float(hi))
    wait(app, lambda: True, settle=0.5)
    save(w, out, "attributes-filter")
    dock.filter_check.setChecked(False)
    st.select_clear()

    w.docks["vectors"].show()
    w.docks["vectors"].raise_()
    vec = w.panels["vectors"]
    st.select_add([st.embedding.row(x) for x in ("king", "queen", "man", "woman", "prince",
                                                 "princess", "boy", "girl")], "words")
    vec.order_box.setCurrentText("by difference")
    vec.word_a.setText("man")
    vec.word_b.setText("woman")
    st.pick(st.embedding.row("king"))
    vec.refresh()
    wait(app, lambda: len(vec.rows) > 0, settle=0.6)
    save(w, out, "vectors")

    size = w.size()
    w.resize(1280, 720)
    w.docks["analogy"].raise_()
    wait(app, lambda: True, settle=0.6)
    save(w, out, "small-window")
    w.resize(size)
    st.select_clear()
    wait(app, lambda: True, settle=0.3)


if __name__ == "__main__":
    sys.exit(main())
