"""`embedscope verify`: check that an export folder still holds what its manifest says and,
given the source embedding, that every row comes from it or from a rule the manifest names."""
from __future__ import annotations

from ..core.errors import EmbeddingFormatError
from .common import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_UNLOADABLE,
    CommandFailed,
    TerminalProgress,
    add_source_options,
    load_source,
    print_json,
    run_guarded,
)

NAME = "verify"
HELP = ("check an export folder: the manifest's hashes, that vocab.txt, word_index.json and "
        "the matrix agree, the padding row is zero and, with --source, that every row equals "
        "its source row or is made as the manifest says")
EXAMPLES = [
    "embedscope verify export/",
    "embedscope verify export/ --source glove.6B.300d.txt",
    "embedscope verify export/ --source vectors.npy --source-vocab vocab.txt --json",
]


def add_arguments(p) -> None:
    p.add_argument("folder", metavar="EXPORT_DIR", help="a folder written by 'embedscope export'")
    p.add_argument("--source", metavar="FILE",
                   help="the embedding exported from: compare every row with its source row")
    add_source_options(p, prefix="source-",
                       vocab_help="words file of a bare matrix or checkpoint --source")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: ok, rows, dim, origins, findings")


@run_guarded
def run(args) -> int:
    from ..io.export_check import verify_export

    source = load_source(args, prefix="source_", path=args.source) if args.source else None
    bar = TerminalProgress("verifying")
    try:
        report = verify_export(args.folder, source=source, progress=bar)
    except EmbeddingFormatError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    finally:
        bar.close()
    if args.json:
        print_json(report.to_dict())
    else:
        print_report(report)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def print_report(report) -> None:
    print(f"export      {report.folder}")
    if report.rows is not None:
        print(f"matrix      {report.rows:,} rows" + (f" × {report.dim}" if report.dim else "")
              + (f" ({report.format})" if report.format else ""))
    if report.source:
        print(f"source      {report.source}")
    errors = sum(f.severity == "error" for f in report.findings)
    warnings = len(report.findings) - errors
    tally = ", ".join(f"{n} {what}{'s' if n != 1 else ''}"
                      for n, what in ((errors, "problem"), (warnings, "warning")) if n)
    print("verdict     " + ("OK: the export holds what its manifest says" if report.ok
                            else "PROBLEMS FOUND") + (f" ({tally})" if tally else ""))
    for name, n in report.origins.items():
        print(f"rows        {n:,} {name}")
    for f in report.findings:
        print()
        where = f.file + (f", {f.place}" if f.place else "")
        print(f"{f.severity.upper():<8} {f.code}  ({where})")
        print(f"         {f.message}")
        if f.count > 1:
            for e in f.examples:
                print(f"           e.g. {e}")
            if f.count > len(f.examples):
                print(f"           … {f.count:,} in all")
    print()
    for c in report.checked:
        print(f"checked     {c}")
    print(f"checked in  {report.seconds:.2f} s")
