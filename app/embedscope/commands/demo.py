"""`embedscope demo`: a tour of the bundled sample in the terminal, for machines with no display.

It shows what the window would: what the file is, whether words and rows line up, the
neighbours of a word and an analogy.
"""
from __future__ import annotations

from .common import expression, load_source, run_guarded

NAME = "demo"
HELP = "print a short tour of an embedding (the bundled sample by default) without a window"
EXAMPLES = ["embedscope demo", "embedscope demo glove.6B.50d.txt --word river"]


def add_arguments(p) -> None:
    p.add_argument("path", metavar="PATH", nargs="?", help="embedding file (default: the sample)")
    p.add_argument("--vocab", metavar="FILE", help="words file for a bare matrix")
    p.add_argument("--word", default="frog", help="word whose neighbours to show (default: frog)")
    p.add_argument("--analogy", default="king - man + woman", type=expression,
                   help="analogy expression (default: 'king - man + woman')")


@run_guarded
def run(args) -> int:
    from ..core.analogy import analogy
    from ..core.check import check
    from ..core.neighbours import nearest
    from ..resources import sample_path

    if args.path is None:
        args.path = str(sample_path())
    args.format = args.tensor = None
    emb = load_source(args)
    src = emb.source
    print(f"Embedscope demo — {src.path}")
    print(f"  format {src.format}, {emb.rows:,} words × {emb.dim} dimensions, "
          f"loaded in {src.load_seconds:.3f} s")
    print()
    from .check import print_report

    print("Alignment check:")
    print_report(emb, check(emb))
    print()
    print(f"Nearest neighbours of '{args.word}' (cosine):")
    for n in nearest(emb, args.word, k=8):
        print(f"  {n.word:<16} {n.score:.4f}")
    print()
    print(f"Analogy {args.analogy}:")
    for n in analogy(emb, args.analogy, k=5):
        print(f"  {n.word:<16} {n.score:.4f}")
    print()
    print("To see the window, run `embedscope` on a machine with a display "
          "(or `xvfb-run -a make run`).")
    return 0
