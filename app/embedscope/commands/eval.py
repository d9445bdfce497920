"""`embedscope eval`: analogy accuracy and word-pair correlation, numbers comparable with
gensim's `evaluate_word_analogies` and `evaluate_word_pairs`."""
from __future__ import annotations

from .common import (
    COUNT,
    EXIT_OK,
    EXIT_UNLOADABLE,
    CommandFailed,
    TerminalProgress,
    add_source_arguments,
    load_source,
    print_json,
    run_guarded,
)

NAME = "eval"
HELP = ("score an embedding on analogy questions and word-pair similarities "
        "(gensim's questions-words.txt and wordsim353.tsv by default)")
EXAMPLES = [
    "embedscope eval glove.6B.50d.txt",
    "embedscope eval glove.6B.50d.txt --json",
    "embedscope eval vectors.npy --vocab vocab.txt --pairs simlex999.txt",
    "embedscope eval glove.6B.50d.txt --analogies my-questions.txt --restrict 100000 --misses",
]


def add_arguments(p) -> None:
    add_source_arguments(p)
    p.add_argument("--analogies", metavar="FILE",
                   help="analogy questions (': section' lines, then 'a b c d' lines)")
    p.add_argument("--pairs", metavar="FILE",
                   help="word pairs with a human score, tab-separated (wordsim353/simlex999)")
    p.add_argument("--restrict", type=COUNT, default=300000, metavar="N",
                   help="use only the first N rows, as gensim's restrict_vocab (default 300000)")
    p.add_argument("--case-sensitive", action="store_true",
                   help="match words exactly (gensim's case_insensitive=False)")
    p.add_argument("--misses", action="store_true",
                   help="also list the analogy questions answered wrongly")
    p.add_argument("--json", action="store_true", help="print one JSON object")


@run_guarded
def run(args) -> int:
    from ..core.evaluate import BenchmarkFileError, evaluate_analogies, evaluate_pairs

    run_analogies = args.analogies is not None or args.pairs is None
    run_pairs = args.pairs is not None or args.analogies is None
    emb = load_source(args)
    out = {}
    try:
        if run_analogies:
            bar = TerminalProgress("analogies")
            try:
                a = evaluate_analogies(emb, args.analogies, restrict=args.restrict,
                                       case_insensitive=not args.case_sensitive, progress=bar)
            finally:
                bar.close()
            out["analogies"] = a
        if run_pairs:
            out["pairs"] = evaluate_pairs(emb, args.pairs, restrict=args.restrict,
                                          case_insensitive=not args.case_sensitive)
    except BenchmarkFileError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    if args.json:
        d = {}
        if "analogies" in out:
            d["analogies"] = out["analogies"].to_dict(misses=args.misses)
        if "pairs" in out:
            d["pairs"] = out["pairs"].to_dict()
        print_json(d)
        return EXIT_OK
    if "analogies" in out:
        a = out["analogies"]
        print(f"analogies   {a.path}")
        width = max([len(s.section) for s in a.sections] + [14])
        for s in a.sections:
            acc = f"{100 * s.accuracy:5.1f}%" if s.total else "    -"
            print(f"  {s.section:<{width}}  {acc}  ({s.correct}/{s.total})")
        print(f"  {'Total accuracy':<{width}}  {100 * a.accuracy:5.1f}%  ({a.correct}/{a.total})"
              f"   accuracy {a.accuracy:.4f}")
        print(f"  skipped {a.skipped} questions with words outside the first "
              f"{args.restrict:,} rows ({a.oov_ratio:.1f}%); {a.seconds:.1f} s")
        if args.misses and a.misses:
            print("  misses:")
            for m in a.misses:
                print(f"    [{m.section}] {m.a} : {m.b} :: {m.c} : {m.expected}"
                      f"  → {m.predicted}")
    if "pairs" in out:
        p = out["pairs"]
        if "analogies" in out:
            print()
        print(f"word pairs  {p.path}")
        print(f"  Pearson   {p.pearson:.4f}")
        print(f"  Spearman  {p.spearman:.4f}")
        print(f"  pairs with unknown words  {p.oov_ratio:.1f}% ({p.oov} of {p.pairs + p.oov})")
    return EXIT_OK
