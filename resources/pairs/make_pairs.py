"""Rebuild `related.tsv`: pairs of English words whose vectors should lie near each other.

    .venv/bin/python resources/pairs/make_pairs.py

Source: `questions-words.txt`, the analogy test set published with Google's word2vec
(Apache License 2.0) and shipped inside gensim's wheel as test data. Each analogy line
"a b c d" gives two related pairs (a, b) and (c, d) — capital/country, man/woman, singular/
plural, present/past. The vocabulary-shift detector only needs pairs that are more similar
than random words, so no human similarity scores are involved.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def related_pairs(questions_path) -> list[tuple[str, str, str]]:
    """(section, word, word) pairs from an analogy file, each unordered pair once."""
    seen: set[tuple[str, str]] = set()
    out = []
    section = ""
    with open(questions_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            a, b, c, d = line.split()
            for x, y in ((a, b), (c, d)):
                key = (x, y) if x < y else (y, x)
                if x != y and key not in seen:
                    seen.add(key)
                    out.append((section, x, y))
    return out


def main() -> int:
    from gensim.test.utils import datapath

    pairs = related_pairs(datapath("questions-words.txt"))
    target = HERE / "related.tsv"
    with open(target, "w", encoding="utf-8", newline="\n") as f:
        f.write("# word pairs from word2vec's questions-words.txt (Apache-2.0); "
                "made by make_pairs.py\n")
        for section, a, b in pairs:
            f.write(f"{a}\t{b}\t{section}\n")
    print(f"wrote {len(pairs)} pairs to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
