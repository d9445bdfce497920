"""`embedscope check`: prove that the words and the rows line up, and say what is wrong when
they do not (shifted or miscounted words list, duplicates, NaN rows, a cut-off file …)."""
from __future__ import annotations

import os

from ..core.pairing import FIXES
from .common import (
    EXIT_OK,
    EXIT_PROBLEM,
    TerminalProgress,
    add_source_arguments,
    load_source,
    print_json,
    run_guarded,
)

NAME = "check"
HELP = ("check that row i of the matrix really is the vector of word i, and list everything "
        "else wrong with the file")
EXAMPLES = [
    "embedscope check glove.6B.50d.txt",
    "embedscope check vectors.npy --vocab vocab.txt --json",
    "embedscope check model.safetensors --vocab vocab.txt --tensor embeddings.weight",
    "embedscope check vectors.npy --vocab vocab.txt --fix-shift   # check the re-paired words",
]

LABEL = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}


def add_arguments(p) -> None:
    add_source_arguments(p)
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: rows, dim, vocab_size, ok, findings")


@run_guarded
def run(args) -> int:
    from ..core.check import check

    # A words list longer or shorter than the matrix still loads here: saying which end is
    # off is this command's job.
    emb = load_source(args, allow_mismatch=True)
    bar = TerminalProgress("checking")
    try:
        report = check(emb, progress=bar)
    finally:
        bar.close()
    if args.json:
        d = {"path": emb.source.path, **report.to_dict()}
        print_json(d)
    else:
        print_report(emb, report)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def print_report(emb, report) -> None:
    src = emb.source
    name = os.path.basename(src.path) if src.path else "in memory"
    print(f"file        {name}" + (f"  (words: {os.path.basename(src.vocab_path)})"
                                   if src.vocab_path else ""))
    print(f"shape       {report.rows:,} rows × {report.dim} dimensions, "
          f"{report.vocab_size:,} words")
    n = {s: sum(f.severity == s for f in report.findings) for s in LABEL}
    tally = ", ".join(f"{n[s]} {s}{'s' if n[s] != 1 else ''}" for s in LABEL if n[s])
    if report.ok:
        print("verdict     OK: words and rows line up" + (f" ({tally})" if tally else ""))
    else:
        print(f"verdict     PROBLEMS FOUND ({tally})")
    for f in report.findings:
        print()
        print(f"{LABEL[f.severity]:<8} {f.code}" + (f"  (offset {f.offset:+d})"
                                                    if f.offset is not None else ""))
        print(f"         {f.message}")
        for e in f.examples[:5]:
            print(f"           e.g. {e}")
        if f.count > 5 and len(f.examples) >= 5:
            print(f"           … {f.count:,} in all")
        if f.fix is not None:
            what = FIXES[f.fix].button_text(f.offset or 0).lower()
            print(f"         fix for one run: --{f.fix}  ({what})")
    m = report.measures
    print()
    bits = []
    if "mean_cosine" in m:
        bits.append(f"mean cosine of random pairs {m['mean_cosine']:.2f}, "
                    f"first principal component {100 * m['pc1_share']:.0f}%")
    if "hubness_skew" in m:
        bits.append(f"hubness (skew of 10-NN counts) {m['hubness_skew']:.1f}")
    if bits:
        print("space       " + "; ".join(bits))
    if report.shift is not None:
        print(f"alignment   {report.shift.evidence.get('verdict', '')}")
    print(f"checked in  {report.seconds:.2f} s")
