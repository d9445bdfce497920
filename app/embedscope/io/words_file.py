"""Words files that go with a bare matrix: one token per line, `word<TAB>count`, or a JSON
word→index map. Tokens are kept exactly (only the line end is removed)."""
from __future__ import annotations

import json
from pathlib import Path

from ..core.errors import EmbeddingFormatError


def read_words_file(path, expected_rows: int | None = None):
    """(words, attributes, warnings) from a words file, in row order."""
    path = Path(path)
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    warnings: list[str] = []
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        warnings.append(f"{path.name}: bytes that are not valid UTF-8 were replaced by \ufffd")
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith("{"):
        return _from_json_map(path, text) + (warnings,)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start a new word
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    attrs: dict[str, list] = {}
    if lines and all("\t" in ln for ln in lines[: min(len(lines), 1000)]):
        cols = [ln.split("\t") for ln in lines]
        tails = [c[1] for c in cols]
        if all(t.strip().lstrip("-").isdigit() for t in tails[:1000]):
            attrs["count"] = [int(t) if t.strip().lstrip("-").isdigit() else None for t in tails]
            return [c[0] for c in cols], attrs, warnings
    return lines, attrs, warnings


def _from_json_map(path, text):
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EmbeddingFormatError(path, f"line {exc.lineno}, column {exc.colno}",
                                   f"invalid JSON ({exc.msg})", "a JSON object word → row index") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, int) for v in mapping.values()):
        raise EmbeddingFormatError(path, None, "JSON is not a word → integer map",
                                   'an object like {"the": 0, "of": 1}')
    n = len(mapping)
    words: list[str | None] = [None] * n
    for w, i in mapping.items():
        if not 0 <= i < n:
            raise EmbeddingFormatError(path, f"word '{w}'", f"index {i} is outside 0..{n - 1}",
                                       "indices 0..N-1, each used once")
        if words[i] is not None:
            raise EmbeddingFormatError(path, f"index {i}", f"used by both '{words[i]}' and '{w}'",
                                       "each index used once")
        words[i] = w
    return words, {}
