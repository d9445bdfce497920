"""`embedscope coverage`: how many rows a vocabulary needs for a corpus — token and type
coverage as rows are kept in order of corpus frequency, and the words it misses."""
from __future__ import annotations

import sys

from .common import (
    EXIT_OK,
    EXIT_UNLOADABLE,
    CommandFailed,
    TerminalProgress,
    add_source_arguments,
    load_source,
    print_json,
    run_guarded,
)

NAME = "coverage"
HELP = ("size a vocabulary for a corpus: token and type coverage against the rows kept (most "
        "frequent corpus words first, as export --corpus keeps them) and the missing words")
EXAMPLES = [
    "embedscope coverage glove.6B.300d.txt --corpus train.txt",
    "embedscope coverage glove.6B.300d.txt --corpus train.txt --lowercase --json",
    "embedscope coverage bert-base-uncased/ --corpus train.txt --tokenizer whitespace",
]


def add_arguments(p) -> None:
    from ..core.corpus import TOKENIZER_HELP

    add_source_arguments(p)
    p.add_argument("--corpus", metavar="FILE", required=True,
                   help="a UTF-8 text corpus: tokenised and counted as export --corpus does")
    p.add_argument("--tokenizer", choices=list(TOKENIZER_HELP), default="words",
                   help="; ".join(f"'{k}' = {v}" for k, v in TOKENIZER_HELP.items())
                   + " (default: words)")
    p.add_argument("--lowercase", action="store_true", help="lowercase the text before counting")
    p.add_argument("--no-case-fallback", action="store_true",
                   help="find words only as written (by default a word missing as written is "
                   "looked up in another case, as export does)")
    p.add_argument("--missing", metavar="N", type=int, default=20,
                   help="how many of the most frequent missing words to list (default 20)")
    p.add_argument("--json", action="store_true",
                   help='print {"tokens", "types", "curve": [[rows, token_coverage], …], '
                   '"rows_for": {"0.9": N, "0.95": N, "0.99": N}, "missing": [{"word", "count", '
                   '"suggestion"}, …]} (null where out of reach)')


@run_guarded
def run(args) -> int:
    from ..core.corpus import count_corpus
    from ..core.coverage import TARGETS, corpus_coverage
    from ..core.errors import EmbeddingFormatError
    from ..core.jobs import Cancelled

    if args.missing < 0:
        raise CommandFailed("--missing must be 0 or more", EXIT_UNLOADABLE)
    emb = load_source(args)
    bar = TerminalProgress(f"counting {args.corpus}")
    try:
        counts = count_corpus(args.corpus, tokenizer=args.tokenizer, lowercase=args.lowercase,
                              progress=bar)
    except EmbeddingFormatError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    except Cancelled:
        raise CommandFailed("cancelled", EXIT_UNLOADABLE) from None
    finally:
        bar.close()
    report = corpus_coverage(emb, counts, case_fallback=not args.no_case_fallback,
                             missing=args.missing)
    if args.json:
        print_json(report.to_dict())
        return EXIT_OK
    out = sys.stdout
    for w in counts.warnings:
        print(f"warning     {w}", file=out)
    print(f"corpus      {args.corpus}: {report.tokens:,} tokens, {report.types:,} distinct "
          f"words (tokenizer '{report.tokenizer}'{', lowercased' if report.lowercase else ''})",
          file=out)
    print(f"found       {report.rows:,} of the distinct words have a vector "
          f"({100 * report.type_coverage:.2f}%), covering {100 * report.token_coverage:.2f}% "
          "of the tokens", file=out)
    for p in TARGETS:
        k = report.rows_for(p)
        need = f"{k:,} rows" if k is not None else (
            f"out of reach ({100 * report.token_coverage:.2f}% at most)")
        print(f"rows for    {100 * p:.0f}% of the tokens: {need}", file=out)
    if report.rows:
        print("rows kept   token coverage   type coverage", file=out)
        for k, c in _round_points(report):
            print(f"{k:>9,}   {100 * c:>13.2f}%   {100 * k / report.types:>12.2f}%", file=out)
    if report.missing:
        print(f"missing     {report.missing_types:,} distinct words "
              f"({report.missing_tokens:,} tokens); the most frequent:", file=out)
        for m in report.missing:
            maps = f"  → {' + '.join(m.suggestion)} ({m.by})" if m.suggestion else ""
            print(f"  {m.word}  {m.count:,}{maps}", file=out)
    return EXIT_OK


def _round_points(report) -> list[tuple[int, float]]:
    """The curve at 1, 2, 5 × powers of ten, and at every row with a vector."""
    ks, base = [], 1
    while base < report.rows:
        ks.extend(k for k in (base, 2 * base, 5 * base) if k < report.rows)
        base *= 10
    ks.append(report.rows)
    return [(k, float(report.covered[k - 1]) / report.tokens) for k in ks]
