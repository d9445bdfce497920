"""`embedscope neighbours`: the nearest words to one or more words (exact search)."""
from __future__ import annotations

from .common import COUNT, EXIT_OK, add_source_arguments, load_source, print_json, run_guarded

NAME = "neighbours"
HELP = "list the nearest words to each given word (cosine, dot product or Euclidean)"
EXAMPLES = [
    "embedscope neighbours glove.6B.50d.txt king",
    "embedscope neighbours glove.6B.50d.txt king queen -k 5 --json",
    "embedscope neighbours vectors.npy --vocab vocab.txt paris --metric euclidean --restrict 50000",
    "embedscope neighbours glove.6B.50d.txt king queen --mean",
]


def add_arguments(p) -> None:
    add_source_arguments(p)
    p.add_argument("words", metavar="WORD", nargs="+", help="word(s) to look up (each on its own)")
    p.add_argument("-k", type=COUNT, default=10, metavar="K",
                   help="how many neighbours (default 10)")
    p.add_argument("--metric", choices=["cosine", "dot", "euclidean"], default="cosine",
                   help="similarity: cosine (default, as gensim), dot product, Euclidean distance")
    p.add_argument("--restrict", type=COUNT, metavar="N",
                   help="search only the first N rows (the most frequent words)")
    p.add_argument("--mean", action="store_true",
                   help="one query: the mean of all the words (as gensim's most_similar)")
    p.add_argument("--keep-query", action="store_true",
                   help="do not leave the query word(s) out of the results")
    p.add_argument("--json", action="store_true",
                   help="print JSON: a list of {word, score}, or an object keyed by word when "
                   "several words are given")


@run_guarded
def run(args) -> int:
    from ..core.errors import UnknownWordError
    from ..core.neighbours import nearest, nearest_many

    emb = load_source(args)
    unknown = [w for w in dict.fromkeys(args.words) if w not in emb.word_to_row]
    if unknown:
        raise UnknownWordError(unknown, {w: emb.suggest(w) for w in unknown})
    options = dict(k=args.k, metric=args.metric, exclude_query=not args.keep_query,
                   restrict=args.restrict)
    if args.mean:
        results = {" + ".join(args.words): nearest(emb, args.words, **options)}
    else:
        # all the words together: one matrix product per group of words, not one pass each
        words = list(dict.fromkeys(args.words))
        results = dict(zip(words, nearest_many(emb, words, **options)))
    if args.json:
        lists = {w: [{"word": n.word, "score": n.score} for n in res] for w, res in results.items()}
        print_json(next(iter(lists.values())) if len(lists) == 1 else lists)
        return EXIT_OK
    searched = min(args.restrict, emb.rows) if args.restrict else emb.rows
    what = {"cosine": "cosine similarity", "dot": "dot product",
            "euclidean": "Euclidean distance"}[args.metric]
    for i, (label, res) in enumerate(results.items()):
        if i:
            print()
        print(f"nearest to '{label}' ({what}, {searched:,} rows searched)")
        width = max([len(n.word) for n in res] + [4])
        for rank, n in enumerate(res, 1):
            print(f"{rank:>4}  {n.word:<{width}}  {n.score:.4f}")
    return EXIT_OK
