"""`embedscope export`: pick a vocabulary and write a pruned, reindexed matrix for a model's
embedding layer, with its words, a manifest and USAGE.md."""
from __future__ import annotations

import argparse
import sys

from ..core.export import COMPANION_FILES, OOV_POLICIES, ExportPlan
from ..io.registry import READERS, WRITERS
from .common import (
    COUNT,
    COUNT_OR_ZERO,
    EXIT_PROBLEM,
    EXIT_UNLOADABLE,
    CommandFailed,
    TerminalProgress,
    add_source_options,
    load_source,
    print_json,
    run_guarded,
    seed,
)

NAME = "export"
HELP = ("pick a vocabulary (first N rows, a words file or tokenizer vocabulary, a corpus, a "
        "regex, words, neighbours) and write a pruned, reindexed matrix with <pad>/<unk> rows, "
        "its words, manifest.json and USAGE.md (and attributes.tsv from a table of attributes)")
EXAMPLES = [
    "embedscope export glove.6B.100d.txt --words my_vocab.txt --pad --unk -o export/",
    "embedscope export glove.6B.300d.txt --corpus train.txt --min-count 2 --max-words 20000 "
    "--lowercase --pad --unk -o export/",
    "embedscope export cc.en.300.vec --words tokenizer.json --keep-indices --format safetensors "
    "-o export/",
    "embedscope export vectors.npy --vocab vocab.txt --top 50000 --regex '[a-z]+' --intersect "
    "--dtype float16 -o export/ --force --json",
    "embedscope export glove.6B.100d.txt --words my_vocab.txt --pad --unk -o export/ "
    "--save-recipe my.recipe.json",
    "embedscope export --recipe my.recipe.json -o export2/",
    "embedscope export glove.6B.100d.txt --top 20000 --pad --unk --attributes pos.csv -o export/",
]

SOURCE_FLAGS = ("top", "words", "corpus", "regex", "word", "neighbours")


class _SourceAction(argparse.Action):
    """Records word sources in command-line order, each with the combination in force
    (--intersect / --exclude apply to the source option that follows them)."""

    def __call__(self, parser, namespace, values, option_string=None):
        seq = list(getattr(namespace, "selection", None) or [])
        combine = getattr(namespace, "_next_combine", None) or "union"
        seq.append((self.dest, values, combine))
        namespace.selection = seq
        namespace._next_combine = None


class _CombineAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        namespace._next_combine = self.const


def add_arguments(p) -> None:
    # The source options of every command, except that --format names the OUTPUT format here
    # (as the issue asks); the source's format override is --source-format.
    p.add_argument("path", metavar="PATH", nargs="?",
                   help="the embedding file to export from (with --recipe: the recipe's source "
                   "when omitted)")
    add_source_options(
        p, format_flag="source-format",
        vocab_help="words file of a bare matrix or checkpoint SOURCE (found beside it by name "
        "when omitted); the words to export are chosen with --words etc.")
    g = p.add_argument_group(
        "choosing the words (sources combine in the order given: each adds its words, "
        "unless preceded by --intersect or --exclude)")
    g.add_argument("--top", metavar="N", type=COUNT_OR_ZERO, action=_SourceAction,
                   help="the first N rows (the embedding's frequency order)")
    g.add_argument("--words", metavar="FILE", action=_SourceAction,
                   help="a words file: one word per line (word<TAB>count allowed), a BERT-style "
                   "vocab.txt, a JSON word→index map or a tokenizer.json; kept in file order")
    g.add_argument("--keep-indices", action="store_true",
                   help="with --words: each word's row is its index in the file (the file's "
                   "own specials such as [PAD]/[UNK] are used for --pad/--unk)")
    g.add_argument("--corpus", metavar="FILE", action=_SourceAction,
                   help="a UTF-8 text corpus: tokenised, counted, words kept by descending count")
    g.add_argument("--min-count", metavar="N", type=COUNT, default=1,
                   help="with --corpus: keep words seen at least N times (default 1)")
    g.add_argument("--max-words", metavar="N", type=COUNT, default=None,
                   help="with --corpus: keep at most the N most frequent words")
    g.add_argument("--lowercase", action="store_true",
                   help="with --corpus: lowercase the text before counting")
    g.add_argument("--tokenizer", choices=["words", "whitespace"], default="words",
                   help="with --corpus: 'words' (default) = runs of letters/digits/_ with inner "
                   "' or - kept (don't, e-mail), every other non-space character a token of its "
                   "own (, . ! $), as GloVe/word2vec vocabularies split punctuation; "
                   "'whitespace' = split on white space only")
    g.add_argument("--regex", metavar="R", action=_SourceAction,
                   help="embedding words matching the regular expression R in full")
    g.add_argument("--word", metavar="W", action=_SourceAction,
                   help="one explicit word (repeat the option for more)")
    g.add_argument("--neighbours", metavar="W", action=_SourceAction,
                   help="the word W and its --k nearest neighbours (cosine)")
    g.add_argument("--k", type=COUNT, default=10, help="neighbours per --neighbours word (10)")
    g.add_argument("--intersect", nargs=0, action=_CombineAction, const="intersect",
                   help="the next source keeps only words the sources before it also chose")
    g.add_argument("--exclude", nargs=0, action=_CombineAction, const="exclude",
                   help="the next source removes its words from those chosen before it")
    g.add_argument("--order", choices=["asked", "embedding"], default="asked",
                   help="row order of the words: as the sources list them (default) or by "
                   "embedding row")
    g.add_argument("--no-case-fallback", action="store_true",
                   help="do not look a missing word up lowercased / in another case")

    b = p.add_argument_group("building the matrix")
    b.add_argument("--pad", action="store_true",
                   help="a padding row at row 0, exactly zero (token <pad>, see --pad-token)")
    b.add_argument("--pad-token", metavar="TOKEN", default="<pad>",
                   help="the padding row's token (default <pad>)")
    b.add_argument("--unk", action="store_true",
                   help="a row for unknown words after the padding row (token <unk>)")
    b.add_argument("--unk-token", metavar="TOKEN", default="<unk>",
                   help="the unknown-word row's token (default <unk>)")
    b.add_argument("--unk-init", choices=["mean", "random", "zeros"], default="mean",
                   help="the unknown-word row: the mean vector (default), random or zeros")
    b.add_argument("--special", metavar="TOKEN", action="append", default=[],
                   help="another special token (<s>, </s>, [CLS]...), repeat for more")
    b.add_argument("--special-init", choices=["random", "zeros", "mean"], default="random",
                   help="how --special rows start (default random)")
    b.add_argument("--oov", choices=list(OOV_POLICIES), default="random",
                   help="chosen words the embedding lacks: random normal with the matrix's "
                   "per-dimension mean/std (default), zeros, drop them, or (a native fastText "
                   ".bin source) 'subwords': the vector fastText builds from the word's "
                   "character n-grams; reported either way")
    b.add_argument("--alias", action="store_true",
                   help="map every word of the source that the export leaves out to its nearest "
                   "kept row (cosine) in word_index.json, as spaCy's prune_vectors does")
    b.add_argument("--alias-min-similarity", metavar="COS", type=float, default=None,
                   help="with --alias: leave out aliases whose cosine similarity is below COS")
    b.add_argument("--dtype", choices=["float32", "float16"], default="float32")
    b.add_argument("--normalize", action="store_true", help="scale every row to unit length")
    b.add_argument("--seed", type=seed, default=0, help="seed of the random rows (0)")

    w = p.add_argument_group("writing")
    w.add_argument("--format", dest="out_format", default=ExportPlan.format,
                   choices=list(WRITERS), help=_format_help())
    w.add_argument("-o", "--output", metavar="DIR", required=True,
                   help="the folder to write (created; must be new or empty)")
    w.add_argument("--force", action="store_true",
                   help="replace a non-empty output folder (only once the new export is complete)")
    w.add_argument("--attributes", metavar="FILE",
                   help="a CSV, TSV or Parquet table with a 'word' column: its other columns go "
                   "into attributes.tsv, one line per row as in vocab.txt (word, then the "
                   "columns; empty where a row has no value). A row copied from the embedding "
                   "has the values the table gives its word (as written, else by case "
                   "fallback, the join of 'project --attributes' and the map); a padding, "
                   "unknown-word, special or missing-word row has those of the table line "
                   "naming exactly its token, else none. Tabs and line breaks inside a value "
                   "are written as spaces (the manifest warns)")
    w.add_argument("--json", action="store_true", help="print the manifest as JSON")

    r = p.add_argument_group("recipes (the export's options saved in a file, run again alike)")
    r.add_argument("--save-recipe", metavar="FILE",
                   help="after writing, save the words and options of this export as a recipe "
                   "(JSON, naming the source's sha256)")
    r.add_argument("--recipe", metavar="FILE",
                   help="export with the words and options of a recipe instead of the options "
                   "above: the same source gives byte-identical files")
    r.add_argument("--allow-other-source", action="store_true",
                   help="with --recipe: export even if the source, a words file, a corpus or the "
                   "attribute table is not the one the recipe was made from (by sha256)")
    plan_options = {a.dest: a.default for a in g._group_actions + b._group_actions
                    if a.dest not in ("intersect", "exclude")}
    plan_options["out_format"] = ExportPlan.format
    plan_options["attributes"] = ExportPlan.attributes
    p.set_defaults(selection=None, _next_combine=None, _plan_options=plan_options)


def _format_help() -> str:
    """--format's help, from the table of output formats: each one's files and limits."""
    def files(w):
        return " + ".join(w.files) + (", the default" if w.name == ExportPlan.format else "")

    listed = ", ".join(f"{w.name} ({files(w)})" for w in WRITERS.values())
    no_spaces = [w.name for w in WRITERS.values() if not w.holds_spaces]
    float32 = [w.name for w in WRITERS.values() if not w.holds_float16]
    return (f"{listed}; {', '.join(list(COMPANION_FILES) + ['manifest.json'])} come with each. "
            f"Words with white space cannot go into {', '.join(no_spaces)}; "
            f"{', '.join(float32)} store float16 values as float32")


def plan_from_args(args):
    from ..core.errors import EmbeddingFormatError
    from ..core.vocabulary import Corpus, Neighbours, Regex, TopWords, Words, WordsFile
    from ..io.words_file import words_source

    sources = []
    explicit: Words | None = None
    for kind, value, combine in args.selection or []:
        if kind == "top":
            sources.append(TopWords(value, combine=combine))
        elif kind == "words":
            try:
                sources.append(words_source(value, keep_indices=args.keep_indices,
                                            combine=combine))
            except EmbeddingFormatError as exc:
                raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
        elif kind == "corpus":
            sources.append(Corpus(value, min_count=args.min_count, max_words=args.max_words,
                                  lowercase=args.lowercase, tokenizer=args.tokenizer,
                                  combine=combine))
        elif kind == "regex":
            sources.append(Regex(value, combine=combine))
        elif kind == "word":
            # Consecutive --word options with the same combination form one list.
            if explicit is not None and sources and sources[-1] is explicit \
                    and explicit.combine == combine:
                explicit.words.append(value)
            else:
                explicit = Words([value], combine=combine)
                sources.append(explicit)
        elif kind == "neighbours":
            if sources and isinstance(sources[-1], Neighbours) and sources[-1].combine == combine:
                sources[-1].words.append(value)
            else:
                sources.append(Neighbours([value], k=args.k, combine=combine))
    if args.keep_indices and not any(isinstance(s, WordsFile) for s in sources):
        raise CommandFailed("--keep-indices needs --words FILE", EXIT_UNLOADABLE)
    if args.alias_min_similarity is not None and not args.alias:
        raise CommandFailed("--alias-min-similarity needs --alias", EXIT_UNLOADABLE)
    return ExportPlan(
        sources=sources, order=args.order, case_fallback=not args.no_case_fallback,
        pad=args.pad_token if args.pad else None,
        unk=args.unk_token if args.unk else None, unk_init=args.unk_init,
        specials=list(args.special),
        special_init=args.special_init, oov=args.oov, format=args.out_format, dtype=args.dtype,
        normalize=args.normalize, seed=args.seed, alias=args.alias,
        alias_min_similarity=args.alias_min_similarity, attributes=args.attributes)


@run_guarded
def run(args) -> int:
    from ..core.errors import EmbeddingFormatError, ExportRefusedError
    from ..core.jobs import Cancelled
    from ..core.vocabulary import SelectionError
    from ..io.export_folder import write_export

    if args.recipe:
        emb, plan = _from_recipe(args)
    else:
        if args.allow_other_source:
            raise CommandFailed("--allow-other-source goes with --recipe", EXIT_UNLOADABLE)
        if not args.path:
            raise CommandFailed("give the embedding file to export from (PATH), or --recipe",
                                EXIT_UNLOADABLE)
        if not args.selection:
            raise CommandFailed("no words were asked for: give --top, --words, --corpus, "
                                "--regex, --word or --neighbours", EXIT_UNLOADABLE)
        emb = load_source(args)
        plan = plan_from_args(args)  # reads the words files: after the embedding, named first
    bar = TerminalProgress(f"exporting to {args.output}")
    try:
        manifest = write_export(emb, plan, args.output, force=args.force, progress=bar)
    except (SelectionError, EmbeddingFormatError) as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    except ExportRefusedError as exc:
        raise CommandFailed(str(exc), EXIT_PROBLEM) from None
    except Cancelled:
        raise CommandFailed("cancelled; nothing was written", EXIT_PROBLEM) from None
    finally:
        bar.close()
    if args.save_recipe:
        _save_recipe(args.save_recipe, emb, plan, manifest)
    if args.json:
        print_json(manifest)
        return 0
    _print_summary(manifest)
    if args.save_recipe:
        print(f"  recipe      {args.save_recipe}")
    return 0


def _from_recipe(args):
    """The source and plan of --recipe: the recipe's source unless PATH names another, which
    (like a changed words file or corpus) is refused without --allow-other-source."""
    from ..core.errors import EmbeddingFormatError
    from ..core.pairing import FIXES
    from ..io.recipe import differences, re_pair, read_recipe

    changed = [opt for opt, default in args._plan_options.items()
               if getattr(args, opt) != default]
    if args.selection or changed:
        flags = sorted({"--" + opt.replace("out_format", "format").replace("_", "-")
                        for opt in changed} | {"--" + kind for kind, _, _ in args.selection or []})
        raise CommandFailed(f"--recipe holds the words and options of the export; drop "
                            f"{', '.join(flags)} (or save a new recipe with --save-recipe)",
                            EXIT_UNLOADABLE)
    try:
        recipe = read_recipe(args.recipe)
    except EmbeddingFormatError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    if not args.path:
        args.path = recipe.source["path"]
        args.vocab = args.vocab or recipe.source.get("vocab_path")
        args.tensor = args.tensor or recipe.source.get("tensor")
        if args.format is None and recipe.source.get("format") in READERS:
            args.format = recipe.source["format"]
    pairing = recipe.source.get("pairing")
    fix_flags = [f"--{n}" for n in FIXES if getattr(args, n.replace("-", "_"), False)]
    if pairing and fix_flags:
        raise CommandFailed("the recipe says how its words and rows are paired; drop "
                            + ", ".join(fix_flags), EXIT_UNLOADABLE)
    # A re-paired source is loaded as read (its words file may not fit the rows), then paired
    # as the recipe saved it.
    emb = load_source(args, allow_mismatch=bool(pairing))
    if pairing:
        try:
            emb = re_pair(emb, pairing)
        except EmbeddingFormatError as exc:
            raise CommandFailed(f"{args.recipe}: {exc}", EXIT_PROBLEM) from None
    bar = TerminalProgress("comparing with the recipe's source")
    try:
        found = differences(recipe, emb, progress=bar)
    finally:
        bar.close()
    if found and not args.allow_other_source:
        raise CommandFailed(f"{args.recipe}: {'; '.join(found)}; to export from these files "
                            "anyway, add --allow-other-source", EXIT_PROBLEM)
    for what in found:
        print(f"embedscope: warning: {what}", file=sys.stderr)
    return emb, recipe.plan


def _save_recipe(path, emb, plan, manifest) -> None:
    from ..core.errors import EmbedscopeError
    from ..io.recipe import save_recipe

    # The manifest's hash is the source file's; a model folder's is made of its weights files.
    sha = manifest["source"].get("sha256") if emb.source.model is None else None
    try:
        save_recipe(path, emb, plan, source_sha256=sha)
    except (OSError, EmbedscopeError) as exc:
        raise CommandFailed(f"the export was written, but the recipe {path} was not: {exc}",
                            EXIT_PROBLEM) from None


def _print_summary(m: dict) -> None:
    c = m["counts"]
    out = sys.stdout
    print(f"wrote {m['output_dir']}", file=out)
    print(f"  rows        {c['rows']:,} × {c['dim']} ({m['dtype']}, {m['format']})", file=out)
    print(f"  words       {c['words']:,}: {c['from_embedding']:,} from the embedding "
          f"({c['by_case_fallback']:,} of them by case fallback), {c['missing_initialised']:,} "
          f"missing and initialised {m['initialisation']['missing_words']}; "
          f"{c['dropped']:,} missing and dropped", file=out)
    if c.get("by_subwords"):
        shown = m["subword_words"][:10]
        print(f"  subwords    {c['by_subwords']:,} missing word(s) built from fastText's character "
              f"n-grams: {', '.join(shown)}" + (" …" if c["by_subwords"] > len(shown) else ""),
              file=out)
    al = m.get("aliases")
    if al and al.get("count") is not None:
        line = (f"  aliases     {al['count']:,} left-out word(s) map to their nearest kept row "
                f"in word_index.json")
        if al["count"]:
            line += f", the weakest with cosine {al['weakest_similarity']:.3f}"
        if al["dropped_below_min"]:
            line += (f"; {al['dropped_below_min']:,} below {al['min_similarity']} left out")
        print(line, file=out)
    for s in m["special_tokens"]:
        print(f"  special     {s['token']} = row {s['row']} ({s['init']})", file=out)
    at = m.get("attributes")
    if at:
        names = ", ".join(c["name"] for c in at["columns"])
        print(f"  attributes  {at['file']}: {names} from {at['path']}; {at['rows_with_value']:,} "
              f"of {c['rows']:,} rows have a value ({at['words_matched']:,} of "
              f"{at['table_rows']:,} table words are in the embedding)", file=out)
    for cov in m["coverage"]:
        line = (f"  coverage    {cov['source']}: {cov['found']:,} of {cov['asked']:,} found"
                f" ({cov['found_by_case_fallback']:,} by case fallback), "
                f"{cov['missing']:,} missing")
        if cov["token_share"] is not None:
            line += f"; {100 * cov['token_share']:.2f}% of {cov['tokens']:,} corpus tokens covered"
        print(line, file=out)
        if cov["missing_examples"]:
            print("              missing: " + ", ".join(cov["missing_examples"][:10]), file=out)
        if cov["case_fallback_examples"]:
            print("              by case fallback: " + ", ".join(
                f"{a} → {b}" for a, b in cov["case_fallback_examples"][:10]), file=out)
    for w in m["warnings"]:
        print(f"  warning     {w}", file=out)
    for f in m["files"]:
        print(f"  file        {f['name']}  {f['bytes']:,} bytes  sha256 {f['sha256'][:16]}…",
              file=out)
    print("  file        manifest.json", file=out)
