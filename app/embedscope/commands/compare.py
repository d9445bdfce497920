"""`embedscope compare`: what fine-tuning changed, or where two pretrained sets disagree."""
from __future__ import annotations

from .common import (
    COUNT,
    COUNT_OR_ZERO,
    EXIT_PROBLEM,
    CommandFailed,
    TerminalProgress,
    load_source,
    print_json,
    run_guarded,
)

NAME = "compare"
HELP = "compare two embeddings word by word: cosine and neighbourhood overlap, top movers"
EXAMPLES = [
    "embedscope compare pretrained/embeddings.npy finetuned.safetensors "
    "--vocab-b pretrained/vocab.txt",
    "embedscope compare glove.6B.50d.txt other.vec --align procrustes -k 10 --json",
]


def add_arguments(p) -> None:
    p.add_argument("a", metavar="A", help="the first embedding (e.g. before fine-tuning)")
    p.add_argument("b", metavar="B", help="the second embedding (e.g. after fine-tuning)")
    for side in ("a", "b"):
        p.add_argument(f"--vocab-{side}", metavar="F", help=f"words file for {side.upper()}")
        p.add_argument(f"--format-{side}", metavar="F", help=f"format of {side.upper()}")
        p.add_argument(f"--tensor-{side}", metavar="NAME",
                       help=f"checkpoint tensor of {side.upper()}")
    p.add_argument("--trust-pickle", action="store_true",
                   help="allow gensim .model/.kv files (Python pickles run code when loaded)")
    p.add_argument("--align", choices=["none", "procrustes"], default="none",
                   help="none: same space (before/after fine-tuning, the default); procrustes: "
                   "rotate A onto B first (independently trained spaces)")
    p.add_argument("-k", type=COUNT, default=10, help="neighbourhood size (default 10)")
    p.add_argument("--sample", type=COUNT_OR_ZERO, default=10_000, metavar="N",
                   help="neighbourhoods among the N most frequent shared words (default 10000; "
                   "0 = all shared words, slow for large vocabularies)")
    p.add_argument("--top", type=COUNT_OR_ZERO, default=20, metavar="N",
                   help="movers to list (default 20)")
    p.add_argument("--by", choices=["cosine", "overlap"], default="cosine",
                   help="rank movers by lowest cosine (default) or lowest neighbourhood overlap")
    p.add_argument("--json", action="store_true", help="print one JSON object")


class _Side:
    """Presents --vocab-a etc. as the plain names load_source reads."""

    def __init__(self, args, side):
        self.path = getattr(args, side)
        self.vocab = getattr(args, f"vocab_{side}")
        self.format = getattr(args, f"format_{side}")
        self.tensor = getattr(args, f"tensor_{side}")
        self.trust_pickle = args.trust_pickle


@run_guarded
def run(args) -> int:
    from ..core.compare import CompareError, compare

    a = load_source(_Side(args, "a"))
    b = load_source(_Side(args, "b"))
    bar = TerminalProgress("comparing")
    try:
        result = compare(a, b, align=args.align, k=args.k, sample=args.sample or None,
                         progress=bar)
    except CompareError as exc:
        raise CommandFailed(str(exc), EXIT_PROBLEM) from None
    finally:
        bar.close()
    d = result.to_dict(args.top)
    if args.by != "cosine":
        d["movers"] = [{"word": m.word, "cosine": round(m.cosine, 6),
                        "overlap": None if m.overlap is None else round(m.overlap, 6)}
                       for m in result.movers(args.top, by=args.by)]
    if args.json:
        print_json(d)
        return 0
    print(f"shared words   {d['shared']:,}  "
          f"(only in A: {d['only_a']:,}, only in B: {d['only_b']:,})")
    print(f"alignment      {d['align']}"
          + (f" (residual {d['residual']:.4f})" if d["residual"] is not None else ""))
    print(f"median cosine  {d['median_cosine']:.4f}")
    if d["median_overlap"] is not None:
        print(f"median overlap {d['median_overlap']:.4f}  (top-{d['k']} neighbours, among the "
              f"{d['universe']:,} most frequent shared words)")
        print(f"kept half      {100 * d['kept_half_share']:.1f}% of words kept at least half "
              "their neighbours")
    print()
    print(f"moved most (by {args.by}):")
    print(f"  {'word':<20} {'cosine':>8} {'overlap':>8}")
    for m in d["movers"]:
        ov = "-" if m["overlap"] is None else f"{m['overlap']:.3f}"
        print(f"  {m['word']:<20} {m['cosine']:>8.4f} {ov:>8}")
    return 0
