"""`embedscope project`: a 2D map (PCA, UMAP, t-SNE or semantic axes) written as
word<TAB>x<TAB>y, with the quality figure printed."""
from __future__ import annotations

import sys

from .common import (
    COUNT,
    COUNT_OR_ZERO,
    EXIT_UNLOADABLE,
    CommandFailed,
    TerminalProgress,
    add_source_arguments,
    load_source,
    print_json,
    real_number,
    run_guarded,
    seed_or_none,
    whole_number,
)

NAME = "project"
HELP = "lay words out in 2D (PCA, UMAP, t-SNE or semantic axes) and write word/x/y as TSV"
EXAMPLES = [
    "embedscope project glove.6B.50d.txt --method pca --limit 400000 -o pca.tsv",
    "embedscope project glove.6B.50d.txt --method umap --limit 50000 -o umap.tsv",
    "embedscope project glove.6B.50d.txt --method tsne --words animals.txt --perplexity 20 "
    "-o tsne.tsv",
    'embedscope project glove.6B.50d.txt --method axes --axes "man:woman,bad:good" '
    "--words adjectives.txt -o axes.tsv",
    "embedscope project glove.6B.50d.txt --method umap --around paris --n-around 2000 -o paris.tsv",
    "embedscope project glove.6B.50d.txt --attributes pos.csv -o pca.tsv",
]


def add_arguments(p) -> None:
    add_source_arguments(p)
    p.add_argument("--method", choices=["pca", "umap", "tsne", "axes"], default="pca",
                   help="how to lay the words out (default: pca)")
    p.add_argument("--limit", type=COUNT_OR_ZERO, metavar="N", default=None,
                   help="the first N rows (default 10,000; with --words or --around, at most N "
                   "of theirs); 0 means all rows")
    p.add_argument("--words", metavar="FILE",
                   help="project only these words (one per line; unknown words are skipped)")
    p.add_argument("--around", metavar="WORD",
                   help="project WORD and its nearest neighbours (cosine)")
    p.add_argument("--n-around", type=COUNT, default=500, metavar="N",
                   help="how many neighbours --around takes (default 500)")
    p.add_argument("--axes", metavar="A:B[,C:D]",
                   help='for --method axes: x from A to B, y from C to D; an end may average '
                   'words, like "he+him:she+her,bad:good"')
    p.add_argument("--seed", type=seed_or_none, default=0, metavar="S",
                   help="random seed for a repeatable map (default 0); 'none' lets UMAP use "
                   "every core, faster but not repeatable")
    p.add_argument("--n-neighbors", type=whole_number(2), metavar="K",
                   help="UMAP n_neighbors (default 15)")
    p.add_argument("--min-dist", type=real_number(at_least=0), metavar="D",
                   help="UMAP min_dist (default 0.1)")
    p.add_argument("--metric", metavar="NAME",
                   help="UMAP/t-SNE distance in the original space (default cosine)")
    p.add_argument("--perplexity", type=real_number(above=0), metavar="P",
                   help="t-SNE perplexity (default 30)")
    p.add_argument("--iterations", type=COUNT, metavar="N",
                   help="UMAP epochs or t-SNE iterations after early exaggeration")
    p.add_argument("--early-iterations", type=COUNT_OR_ZERO, metavar="N",
                   help="t-SNE early exaggeration iterations (default 250)")
    p.add_argument("--ints-in-interval", type=real_number(above=0), metavar="X",
                   help="t-SNE FFT grid: map units per grid cell (default 1.5; openTSNE's 1 is "
                        "finer and slower)")
    p.add_argument("--attributes", metavar="FILE",
                   help="a CSV, TSV or Parquet table with a 'word' column: its other columns "
                   "are joined by word and written after x and y (empty where a word has none)")
    p.add_argument("--recompute", action="store_true",
                   help="ignore a cached map of the same rows and settings")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="where to write word<TAB>x<TAB>y (with a header row); '-' for stdout")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")


def _params(args) -> dict:
    if args.method == "umap":
        return {"n_neighbors": args.n_neighbors, "min_dist": args.min_dist,
                "metric": args.metric, "n_epochs": args.iterations}
    if args.method == "tsne":
        return {"perplexity": args.perplexity, "metric": args.metric, "n_iter": args.iterations,
                "early_exaggeration_iter": args.early_iterations,
                "ints_in_interval": args.ints_in_interval}
    given = [o for o, v in (("--n-neighbors", args.n_neighbors), ("--min-dist", args.min_dist),
                            ("--metric", args.metric), ("--perplexity", args.perplexity),
                            ("--iterations", args.iterations),
                            ("--early-iterations", args.early_iterations),
                            ("--ints-in-interval", args.ints_in_interval)) if v is not None]
    if given:
        raise CommandFailed(f"{', '.join(given)} do(es) not apply to --method {args.method}",
                            EXIT_UNLOADABLE)
    return {}


def _read_words(path) -> tuple[list[str], list[str]]:
    """(words, reader warnings) of --words, read as every words list is."""
    from ..core.errors import EmbedscopeError
    from ..io.words_file import read_word_list

    try:
        words, _, warnings = read_word_list(path)
    except EmbedscopeError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    return words, warnings


def _read_attributes(path, emb):
    """The attribute table joined onto `emb`; a table that cannot be read is exit 2."""
    from ..core.errors import EmbedscopeError
    from ..io.attributes import read_attribute_table

    try:
        return read_attribute_table(path, emb)
    except EmbedscopeError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None


@run_guarded
def run(args) -> int:
    from ..core.jobs import Cancelled
    from ..core.projection import ProjectionError, parse_axes, project, rows_for, write_coords_tsv
    from ..core.words import lookup

    params = _params(args)
    if args.method == "axes" and not args.axes:
        raise CommandFailed('--method axes needs --axes, like --axes "man:woman,bad:good"',
                            EXIT_UNLOADABLE)
    if args.axes and args.method != "axes":
        raise CommandFailed("--axes goes with --method axes", EXIT_UNLOADABLE)
    try:
        axes = parse_axes(args.axes) if args.axes else None
    except ProjectionError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    words, notes = _read_words(args.words) if args.words else (None, [])

    emb = load_source(args)
    table = _read_attributes(args.attributes, emb) if args.attributes else None
    if table is not None:
        notes.append(table.summary())
    limit = args.limit if args.limit else (None if args.limit == 0 else 10000)
    if words is not None or args.around:
        limit = args.limit or None
    if words is not None:
        # Case fallback as everywhere else ("Paris" finds "paris"); a word not found at all is
        # passed as written, so rows_for still names it when no word is known.
        found, _ = lookup(emb, words)
        asked = len(set(words))
        unknown = len({w for w, r in zip(words, found.tolist()) if r < 0})
        words = [emb.words[r] if r >= 0 else w for w, r in zip(words, found.tolist())]
        if unknown:
            notes.append(f"{unknown:,} of {asked:,} words in {args.words} are not in "
                         "the vocabulary and were skipped")
    rows = rows_for(emb, limit=limit, words=words, around=args.around, n_around=args.n_around,
                    skip_unknown=True)

    if args.method == "umap":
        from ..core.projection_worker import umap_prepared

        if not umap_prepared():
            print("note: the first UMAP on this computer prepares umap-learn's compiled code "
                  "(about a minute, once; later maps skip it)", file=sys.stderr)
    bar = TerminalProgress(f"{args.method} of {len(rows):,} words")
    try:
        proj = project(emb, args.method, rows=rows, params=params, seed=args.seed, axes=axes,
                       use_cache=not args.recompute, progress=bar)
    except ProjectionError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    except Cancelled:
        raise CommandFailed("cancelled", EXIT_UNLOADABLE) from None
    finally:
        bar.close()

    out_words = [emb.words[r] for r in proj.rows]
    columns = None
    if table is not None:
        from ..io.attributes import joined_columns

        columns = joined_columns(table.attributes, proj.rows)
    if args.output == "-":
        from ..core.projection import coords_lines

        for line in coords_lines(out_words, proj.coords, columns):
            sys.stdout.write(line)
        report = sys.stderr
    else:
        try:
            write_coords_tsv(args.output, out_words, proj.coords, columns)
        except OSError as exc:
            raise CommandFailed(f"could not write {args.output}: {exc.strerror or exc}",
                                EXIT_UNLOADABLE) from None
        report = sys.stdout
    summary = {
        "method": proj.method,
        "points": len(proj.rows),
        "output": args.output,
        "params": proj.params,
        "seed": proj.seed,
        "axes": [list(a) for a in proj.axes] if proj.axes else None,
        "quality": proj.quality,
        "quality_k": proj.params.get("quality_k"),
        "quality_sample": min(len(proj.rows), int(proj.params.get("quality_sample", 0))),
        "explained_variance": list(proj.explained_variance) if proj.explained_variance else None,
        "seconds": round(proj.seconds, 3),
        "from_cache": proj.from_cache,
        "notes": notes,
    }
    if args.json:
        if report is sys.stdout:
            print_json(summary)
        else:
            import json

            print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
        return 0
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    where = "standard output" if args.output == "-" else args.output
    cached = " (from cache)" if proj.from_cache else ""
    print(f"{proj.method}: {len(proj.rows):,} words → {where} in {proj.seconds:.2f} s{cached}",
          file=report)
    if proj.explained_variance:
        x, y = proj.explained_variance
        print(f"variance along x, y: {100 * x:.1f} %, {100 * y:.1f} %", file=report)
    if proj.quality is not None:
        print(f"quality: {100 * proj.quality:.1f} % of each word's {summary['quality_k']} nearest "
              f"neighbours (cosine) are still among its {summary['quality_k']} nearest on the "
              f"map (sample of {summary['quality_sample']:,} words)", file=report)
    return 0
