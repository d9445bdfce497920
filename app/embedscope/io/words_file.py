"""Words files that go with a bare matrix or a checkpoint, and Projector metadata tables.

Accepted layouts (the content decides, not the extension):
- one token per line (tokens kept exactly: only the line end is removed, so a token may hold
  spaces, as GloVe 840B's ". . ." does);
- `word<TAB>count` per line, with or without a header row (counts become attribute "count");
- gensim's `word count` (space-separated, written by `save_word2vec_format(fvocab=...)`):
  recognised only when EVERY line ends in a space and digits, because a plain token list whose
  every token ends in " 123" does not occur in practice, while one that merely has some does;
- a table of several tab-separated columns with a header row (TensorFlow Projector metadata):
  the column named word/token/label, else the first, holds the words; the others become
  attributes;
- JSON: a word → row map (Keras `word_index`, `vocab.json`), a list of words, or a Hugging Face
  `tokenizer.json` (its `model.vocab` plus `added_tokens`).

An export's own `vocab.txt` (an Embedscope `manifest.json` beside it lists it) is read as one
token per line exactly as written, with none of the guessing above: its words may end in
digits (`chapter 1`), hold tabs, start with a BOM or be `{`.

`read_words_file` pairs words with a matrix's rows; `read_word_list` gives the words a list
names, for choosing words (an export's words source, the selection dock, `project --words`).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import EmbeddingFormatError
from ..core.vocabulary import WordsFile
from .parsing import NOT_JSON, load_json

WORD_COLUMNS = ("word", "token", "label", "words", "tokens")
COUNT_COLUMNS = ("count", "counts", "freq", "frequency", "n")
_INT = re.compile(r"-?\d{1,18}\Z")   # a count fits 64 bits; longer digit runs are text
_TAIL_COUNT = re.compile(r"(.+) (\d+)\Z", re.S)
_JSON_START = re.compile(r"\s*\{")
# An export folder's words file and manifest (see embedscope.io.export_contents).
VOCAB = "vocab.txt"
MANIFEST = "manifest.json"


def decode_text(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """UTF-8 text of a file with the BOM dropped and CRLF turned into LF.

    Bytes that are not valid UTF-8 become U+FFFD with a warning naming the lines: a words
    file with a few broken tokens must still load, and the user must learn which ones.
    """
    warnings: list[str] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        bad = []
        for i, line in enumerate(raw.split(b"\n"), 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(i)
        shown = ", ".join(str(b) for b in bad[:10])
        more = f" and {len(bad) - 10:,} more" if len(bad) > 10 else ""
        warnings.append(f"{path.name}: bytes that are not valid UTF-8 on line"
                        f"{'s' if len(bad) > 1 else ''} {shown}{more} were replaced by \ufffd")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text, warnings


def read_words_file(path, expected_rows: int | None = None, projector: bool = False):
    """(words, attributes, warnings) from a words file, in row order.

    `expected_rows` (the matrix's row count) only forgives blank lines at the very end of the
    file; any other difference is for the caller to report. `projector=True` reads Projector
    metadata: no guessing of gensim's space-separated counts or of JSON.
    """
    path = Path(path)
    if is_export_vocab(path):
        return read_vocab(path), {}, []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EmbeddingFormatError(path, None,
                                   f"cannot read the words file ({exc.strerror})") from None
    text, warnings = decode_text(path, raw)
    if path.suffix.lower() == ".json":
        return _from_json(path, text, warnings), {}, warnings
    if not projector and _JSON_START.match(text):
        # Looks like JSON; a plain list whose first token is "{" falls through to lines.
        data = load_json(path, text, expected="a JSON object word → row index", strict=False)
        if data is not NOT_JSON:
            return _from_json(path, text, warnings, data), {}, warnings
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start a new word
    if expected_rows is not None and len(lines) > expected_rows:
        extra = lines[expected_rows:]
        if all(ln.strip() == "" for ln in extra):
            del lines[expected_rows:]
            warnings.append(f"{path.name}: ignored {len(extra)} blank line"
                            f"{'s' if len(extra) > 1 else ''} at the end")
    if not lines:
        return [], {}, warnings
    tabs = text.count("\t")
    if tabs:
        table = lines
        while table and table[-1].strip() == "":
            table = table[:-1]  # blank lines after a table end it; they are not rows
        if table and all("\t" in ln for ln in table):
            words, attrs = _from_table(path, table, tabs)
            return words, attrs, warnings
    if not projector and _TAIL_COUNT.match(lines[0]) and all(_TAIL_COUNT.match(ln) for ln in lines):
        # gensim's fvocab: "word count"; the token may itself hold spaces, the count is last.
        pairs = [ln.rsplit(" ", 1) for ln in lines]
        return [p[0] for p in pairs], {"count": [int(p[1]) for p in pairs]}, warnings
    return lines, {}, warnings


def is_export_vocab(path: Path) -> bool:
    """Whether `path` is the words file of an Embedscope export: named vocab.txt, with a
    manifest.json beside it that an export wrote and that lists it."""
    if path.name != VOCAB or not (path.parent / MANIFEST).is_file():
        return False
    try:
        manifest = load_json(path.parent / MANIFEST,
                             (path.parent / MANIFEST).read_bytes(), strict=False)
    except (OSError, EmbeddingFormatError):  # unreadable or damaged: not an export's manifest
        return False
    if not isinstance(manifest, dict):
        return False
    files = manifest.get("files")
    return "embedscope_version" in manifest and isinstance(files, list) and any(
        isinstance(f, dict) and f.get("name") == VOCAB for f in files)


def read_vocab(path) -> list[str]:
    """The words of `vocab.txt`, one per row, in row order."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise EmbeddingFormatError(path, None, "missing", "one word per row") from None
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(path, f"byte {exc.start:,}", "not UTF-8 text",
                                   "one word per line in UTF-8") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_word_list(path) -> tuple[list[str], list[int], list[str]]:
    """(words, indices, warnings): the words a words file lists, in file order, each with its
    index in the file (its line number from 0, or the index a JSON map gives it).

    The layouts and rules are those of `read_words_file`, so a token keeps its spaces
    (". . .", "new york"). An empty line, or an index a JSON map gives no word, names no word:
    its index is a gap (a tokenizer's ids must not shift past it).
    """
    path = Path(path)
    words, _, warnings = read_words_file(path)
    # `read_words_file` names a row a JSON map leaves out "<row N>" so a matrix row has a
    # word; a list of words to choose has no such row, only a gap.
    unnamed = {i for i, w in enumerate(words) if w == f"<row {i}>"}
    if unnamed:
        warnings = [w for w in warnings if not w.endswith("named '<row N>'")]
    kept = [(i, w) for i, w in enumerate(words) if w != "" and i not in unnamed]
    return [w for _, w in kept], [i for i, _ in kept], warnings


def words_source(path, keep_indices: bool = False, combine: str = "union") -> WordsFile:
    """An export's words-file source (core.vocabulary.WordsFile) with the words of `path` read.

    Raises EmbeddingFormatError naming the file and place when it cannot be read.
    """
    words, indices, warnings = read_word_list(path)
    return WordsFile(path, words, indices, keep_indices=keep_indices, combine=combine,
                     warnings=warnings)


def _from_table(path: Path, lines: list[str], tabs: int):
    """Tab-separated lines: `word<TAB>count` (header optional) or a table with a header."""
    if tabs == len(lines):  # exactly one tab per line: two columns
        split = [ln.split("\t") for ln in lines]
        first_tail = split[0][1].strip()
        has_header = not _INT.match(first_tail)
        body = split[1:] if has_header else split
        if all(_INT.match(s[1].strip()) for s in body):
            name = first_tail if has_header else "count"
            if name.lower() in COUNT_COLUMNS or not name:
                name = "count"
            return [s[0] for s in body], {name: [int(s[1]) for s in body]}
    header = lines[0].split("\t")
    ncol = len(header)
    rows = [ln.split("\t") for ln in lines[1:]]
    for i, r in enumerate(rows):
        if len(r) != ncol:
            raise EmbeddingFormatError(
                path, f"line {i + 2}", f"{len(r)} tab-separated columns",
                f"{ncol} columns, as in the header row ({', '.join(header)})")
    lowered = [h.strip().lower() for h in header]
    wcol = next((lowered.index(n) for n in WORD_COLUMNS if n in lowered), 0)
    words = [r[wcol] for r in rows]
    attrs: dict[str, list] = {}
    for j, name in enumerate(header):
        if j == wcol:
            continue
        key = name.strip() or f"column {j + 1}"
        attrs[key] = typed_column([r[j] for r in rows])
    return words, attrs


def typed_column(values: list[str]) -> list:
    """Numbers as int or float when every non-empty value is one (so the window can colour by
    them); otherwise the strings. Empty cells become None."""
    filled = [v.strip() for v in values]
    nonempty = [v for v in filled if v]
    if nonempty and all(_INT.match(v) for v in nonempty):
        return [int(v) if v else None for v in filled]
    try:
        floats = [float(v) if v else None for v in filled]
    except ValueError:
        return [v if v != "" else None for v in values]
    return floats if nonempty else [None] * len(values)


def _from_json(path: Path, text: str, warnings: list[str], data=NOT_JSON) -> list[str]:
    if data is NOT_JSON:
        data = load_json(path, text, expected="a JSON object word → row index")
    if isinstance(data, list):
        if not all(isinstance(w, str) for w in data):
            raise EmbeddingFormatError(path, None, "the JSON list holds things other than words",
                                       'a list of strings like ["the", "of"]')
        return list(data)
    if not isinstance(data, dict):
        raise EmbeddingFormatError(path, None, "JSON is neither a word → index map nor a list",
                                   'an object like {"the": 0, "of": 1}')
    if isinstance(data.get("model"), dict) and "vocab" in data["model"]:
        return _from_tokenizer(path, data, warnings)
    return _from_index_map(path, data, warnings)


def _from_index_map(path: Path, mapping: dict, warnings: list[str], extra=()) -> list[str]:
    pairs = list(mapping.items()) + list(extra)
    token = next((w for w, _ in pairs if not isinstance(w, str)), None)
    if token is not None:
        raise EmbeddingFormatError(path, None, f"a token is {token!r:.60}, not text",
                                   "tokens that are JSON strings")
    bad = next(((w, i) for w, i in pairs if not isinstance(i, int) or isinstance(i, bool)), None)
    if bad is not None:
        raise EmbeddingFormatError(path, f"word '{bad[0]}'", f"maps to {bad[1]!r}",
                                   'a JSON object word → integer row, like {"the": 0, "of": 1}')
    if not pairs:
        return []
    n = max(i for _, i in pairs) + 1
    if min(i for _, i in pairs) < 0:
        w, i = min(pairs, key=lambda p: p[1])
        raise EmbeddingFormatError(path, f"word '{w}'", f"negative row {i}", "rows 0 and up")
    if n > 4 * len(pairs) + 1000:
        raise EmbeddingFormatError(path, None, f"rows go up to {n - 1:,} for only "
                                   f"{len(pairs):,} words", "rows numbered 0..N-1")
    words: list[str | None] = [None] * n
    for w, i in pairs:
        if words[i] is not None and words[i] != w:
            raise EmbeddingFormatError(path, f"row {i}", f"given to both '{words[i]}' and '{w}'",
                                       "each row used by one word")
        words[i] = w
    gaps = [i for i, w in enumerate(words) if w is None]
    if gaps:
        # Keras' word_index starts at 1: row 0 of the matrix is padding and has no word.
        shown = ", ".join(str(g) for g in gaps[:10]) + (" …" if len(gaps) > 10 else "")
        warnings.append(f"{path.name}: {len(gaps):,} row{'s' if len(gaps) > 1 else ''} "
                        f"without a word ({shown}), named '<row N>'")
        for g in gaps:
            words[g] = f"<row {g}>"
    return words  # type: ignore[return-value]


def _from_tokenizer(path: Path, data: dict, warnings: list[str]) -> list[str]:
    """A Hugging Face tokenizer.json: `model.vocab` is a token → id map (WordPiece, BPE) or a
    list of [token, score] pairs (Unigram, id = position); `added_tokens` carry their ids."""
    vocab = data["model"]["vocab"]
    if isinstance(vocab, list):
        mapping = {}
        pairs = []
        for i, item in enumerate(vocab):
            tok = item[0] if isinstance(item, list) and item else item
            if not isinstance(tok, str):
                raise EmbeddingFormatError(path, f"model.vocab[{i}]", f"holds {item!r:.60}",
                                           'a token or a [token, score] pair like ["the", -3.2]')
            pairs.append((tok, i))
    elif isinstance(vocab, dict):
        mapping, pairs = vocab, []
    else:
        raise EmbeddingFormatError(path, "model.vocab", "is neither a map nor a list",
                                   "a tokenizer.json of a WordPiece, BPE or Unigram model")
    added_tokens = data.get("added_tokens") or []
    if not isinstance(added_tokens, list):
        raise EmbeddingFormatError(path, "added_tokens", f"is {added_tokens!r:.60}",
                                   'a list of {"id": N, "content": "token"} objects')
    added = [(t.get("content"), t.get("id")) for t in added_tokens if isinstance(t, dict)]
    have = dict(mapping) if mapping else dict(pairs)
    extra = [(c, i) for c, i in added if isinstance(c, str) and have.get(c) != i]
    return _from_index_map(path, mapping, warnings, extra=pairs + extra)


def write_words_file(path, words, counts=None) -> None:
    """One token per line (UTF-8, LF), or `word<TAB>count` when counts are given."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        if counts is None:
            f.write("".join(w + "\n" for w in words))
        else:
            f.write("".join(f"{w}\t{c}\n" for w, c in zip(words, counts)))
