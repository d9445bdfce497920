"""`embedscope analogy`: complete an analogy written as arithmetic, `king - man + woman`."""
from __future__ import annotations

from .common import (
    COUNT,
    EXIT_OK,
    EXIT_UNLOADABLE,
    CommandFailed,
    add_source_arguments,
    expression,
    load_source,
    print_json,
    run_guarded,
)

NAME = "analogy"
HELP = "complete an analogy such as \"king - man + woman\" (3CosAdd or 3CosMul, as gensim)"
EXAMPLES = [
    'embedscope analogy glove.6B.50d.txt "king - man + woman"',
    'embedscope analogy glove.6B.50d.txt "paris - france + italy" -k 3 --json',
    'embedscope analogy glove.6B.50d.txt "0.5*good + bad" --method mul',
]


def add_arguments(p) -> None:
    add_source_arguments(p)
    p.add_argument("expression", metavar="EXPRESSION", type=expression,
                   help="words joined by + and -, optionally weighted (0.5*good); a hyphenated "
                   "word that is in the vocabulary (e-mail) is read as one word")
    p.add_argument("-k", type=COUNT, default=10, metavar="K", help="how many answers (default 10)")
    p.add_argument("--method", choices=["add", "mul"], default="add",
                   help="add: 3CosAdd (gensim most_similar, default); mul: 3CosMul "
                   "(gensim most_similar_cosmul)")
    p.add_argument("--restrict", type=COUNT, metavar="N",
                   help="answer only from the first N rows (the most frequent words)")
    p.add_argument("--json", action="store_true", help="print a JSON list of {word, score}")


@run_guarded
def run(args) -> int:
    from ..core.analogy import ExpressionError, analogy

    emb = load_source(args)
    try:
        res = analogy(emb, args.expression, k=args.k, method=args.method, restrict=args.restrict)
    except ExpressionError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    if args.json:
        print_json([{"word": n.word, "score": n.score} for n in res])
        return EXIT_OK
    print(f"{args.expression}  ({'3CosAdd' if args.method == 'add' else '3CosMul'})")
    width = max([len(n.word) for n in res] + [4])
    for rank, n in enumerate(res, 1):
        print(f"{rank:>4}  {n.word:<{width}}  {n.score:.4f}")
    return EXIT_OK
