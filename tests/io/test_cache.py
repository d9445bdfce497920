"""The parse cache: a second open of a text or binary file is a memory-map with the same words,
values and warnings; an edited file misses it; a damaged entry is rebuilt, never an error; the
cache stays under its size limit."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

import embedscope
from embedscope.io import cache
from embedscope.io.word2vec_binary import write_word2vec_binary
from embedscope.io.word2vec_text import write_glove_text


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(root))
    return root / "matrices"


@pytest.fixture
def text_file(tmp_path):
    rng = np.random.default_rng(4)
    words = ["the", "naïve", ". . ."] + [f"w{i}" for i in range(997)]
    vals = rng.standard_normal((1000, 6)).astype(np.float32)
    vals[5, 0] = np.nan
    p = tmp_path / "v.txt"
    write_glove_text(p, words, vals)
    return p, words, vals


def _same(a, b):
    assert a.words == b.words
    assert np.array_equal(np.asarray(a.vectors).view(np.uint32),
                          np.asarray(b.vectors).view(np.uint32))


def test_second_open_is_a_memory_map_with_the_same_content(cache_root, text_file):
    p, words, vals = text_file
    first = embedscope.load(p)
    assert not first.source.from_cache and len(list(cache_root.iterdir())) == 1
    second = embedscope.load(p)
    assert second.source.from_cache
    _same(first, second)
    assert isinstance(second.vectors.base, np.memmap) or isinstance(second.vectors, np.memmap)
    assert second.source.warnings == first.source.warnings and len(first.source.warnings) == 2
    assert second.source.format == "glove" and second.source.path == str(p)
    assert second.source.body_rows == 1000


def test_binary_header_survives_the_cache(cache_root, tmp_path):
    vals = np.ones((3, 2), np.float32)
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, ["a", "b", "c"], vals)
    raw = p.read_bytes()
    p.write_bytes(b"9 2" + raw[raw.index(b"\n"):])
    embedscope.load(p)
    again = embedscope.load(p)
    assert again.source.from_cache and again.source.header == (9, 2)
    assert again.source.warnings == ["the header says 9 rows but the file holds 3"]


def test_no_cache_when_asked(cache_root, text_file):
    p, *_ = text_file
    embedscope.load(p, use_cache=False)
    assert not cache_root.exists() or not list(cache_root.iterdir())


def test_an_edited_file_misses_and_replaces_its_old_entry(cache_root, text_file):
    p, words, vals = text_file
    embedscope.load(p)
    old = list(cache_root.iterdir())
    write_glove_text(p, words[:10], vals[:10] + 1)
    st = os.stat(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    fresh = embedscope.load(p)
    assert not fresh.source.from_cache and fresh.rows == 10
    assert list(cache_root.iterdir()) != old and len(list(cache_root.iterdir())) == 1
    assert embedscope.load(p).source.from_cache


@pytest.mark.parametrize("damage", ["truncate-npy", "drop-meta", "garble-meta", "short-words",
                                    "empty-folder"])
def test_a_damaged_entry_is_ignored_and_rebuilt(cache_root, text_file, damage):
    p, words, vals = text_file
    ref = embedscope.load(p)
    (entry,) = cache_root.iterdir()
    if damage == "truncate-npy":
        with open(entry / "vectors.npy", "r+b") as f:
            f.truncate(1000)
    elif damage == "drop-meta":
        (entry / "meta.json").unlink()
    elif damage == "garble-meta":
        (entry / "meta.json").write_text("{not json")
    elif damage == "short-words":
        (entry / "words.txt").write_text("the\nnaïve")
    else:
        for f in entry.iterdir():
            f.unlink()
    again = embedscope.load(p)
    assert not again.source.from_cache
    _same(again, ref)
    assert embedscope.load(p).source.from_cache      # rebuilt


def test_leftover_temporary_folders_are_invisible_and_cleaned(cache_root, text_file):
    p, *_ = text_file
    cache_root.mkdir(parents=True)
    stale = cache_root / ".tmp-crashed"
    stale.mkdir()
    (stale / "vectors.npy").write_bytes(b"half")
    old = time.time() - 2 * cache.STALE_TEMP_SECONDS
    os.utime(stale, (old, old))
    embedscope.load(p)
    assert not stale.exists()
    assert embedscope.load(p).source.from_cache


def test_least_recently_used_entries_are_evicted_beyond_the_limit(cache_root, tmp_path,
                                                                 monkeypatch):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(3):
        p = tmp_path / f"e{i}.txt"
        write_glove_text(p, [f"w{j}" for j in range(2000)], rng.standard_normal((2000, 10)))
        paths.append(p)
    monkeypatch.setenv("EMBEDSCOPE_CACHE_MAX_BYTES", str(200_000))   # room for two entries
    embedscope.load(paths[0])
    embedscope.load(paths[1])
    entry0 = cache.entry_dir(paths[0], "glove")
    past = time.time() - 100
    os.utime(entry0 / "meta.json", (past, past))
    os.utime(cache.entry_dir(paths[1], "glove") / "meta.json", (past + 10, past + 10))
    assert embedscope.load(paths[0]).source.from_cache          # e0 now most recently used
    embedscope.load(paths[2])
    assert entry0.is_dir() and cache.entry_dir(paths[2], "glove").is_dir()
    assert not cache.entry_dir(paths[1], "glove").exists()
    monkeypatch.setenv("EMBEDSCOPE_CACHE_MAX_BYTES", str(1000))      # a matrix over the limit
    p = tmp_path / "e3.txt"
    write_glove_text(p, ["a", "b"], np.ones((2, 300)))
    embedscope.load(p)
    assert not cache.entry_dir(p, "glove").exists()


def test_an_unwritable_cache_never_fails_a_load(tmp_path, monkeypatch, text_file):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("EMBEDSCOPE_CACHE_DIR", str(blocker))
    p, words, _ = text_file
    try:
        emb = embedscope.load(p)
    except OSError:
        pytest.fail("a cache that cannot be created must not stop the load")
    assert emb.words == words


def test_the_words_read_back_a_block_at_a_time_are_the_words_written():
    """The cache's words file is split a block of lines at a time (so reopening a large file
    never holds up the window); any block size gives exactly the lines of one split."""
    rng = np.random.default_rng(0)
    pieces = ["a", "\n", "é", "日本", "xyz", " "]
    for _ in range(200):
        blob = "".join(rng.choice(pieces, rng.integers(0, 40))).encode("utf-8")
        for block in (1, 2, 5, 64):
            assert cache._lines(blob, block) == blob.decode("utf-8").split("\n")
    words = [f"w{i}" for i in range(100_000)]
    assert cache._lines("\n".join(words).encode()) == words


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_file_replaced_by_other_content_of_the_same_size_and_time_is_parsed_again(
        cache_root, tmp_path, size):
    """`cp -p`, `rsync -t` or an archive extraction can put other content under the same
    name, size and modification time: the cache must still serve the new vectors."""
    rows = 300 if size == "small" else 120_000      # the large one is digested from samples
    rng = np.random.default_rng(9)
    words = [f"w{i}" for i in range(rows)]
    p = tmp_path / "v.bin"
    write_word2vec_binary(p, words, rng.standard_normal((rows, 10)).astype(np.float32))
    first = embedscope.load(p)
    st = os.stat(p)
    new = rng.standard_normal((rows, 10)).astype(np.float32)
    write_word2vec_binary(p, words, new)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(p).st_size == st.st_size and os.stat(p).st_mtime_ns == st.st_mtime_ns
    second = embedscope.load(p)
    assert not second.source.from_cache
    assert np.array_equal(second.vectors, new) and not np.array_equal(first.vectors, new)
    assert embedscope.load(p).source.from_cache      # and the new content is cached in turn
