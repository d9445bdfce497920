"""`embedscope diff`: what changed between two export folders — words added, removed and
moved, rows whose values changed, words whose attributes changed, and the settings that
differ in their manifests."""
from __future__ import annotations

import json

from ..core.errors import EmbeddingFormatError
from .common import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_UNLOADABLE,
    CommandFailed,
    TerminalProgress,
    print_json,
    run_guarded,
)

NAME = "diff"
HELP = ("compare two export folders: words added, removed and moved to another row, rows "
        "whose values changed, words whose attributes.tsv values changed, and the settings "
        "that differ between the manifests")
EXAMPLES = [
    "embedscope diff export-v1/ export-v2/",
    "embedscope diff export-v1/ export-v2/ --json",
]
SHOWN = 20


def add_arguments(p) -> None:
    p.add_argument("a", metavar="EXPORT_A", help="a folder written by 'embedscope export'")
    p.add_argument("b", metavar="EXPORT_B", help="the folder to compare it with")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: identical, added, removed, moved, changed, "
                   "settings")


@run_guarded
def run(args) -> int:
    from ..io.export_diff import diff_exports

    bar = TerminalProgress("comparing")
    try:
        d = diff_exports(args.a, args.b, progress=bar)
    except EmbeddingFormatError as exc:
        raise CommandFailed(str(exc), EXIT_UNLOADABLE) from None
    finally:
        bar.close()
    if args.json:
        print_json(d.to_dict())
    else:
        print_diff(d)
    return EXIT_OK if d.identical else EXIT_PROBLEM


def _value(v) -> str:
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _words(label: str, words: list[str]) -> None:
    shown = ", ".join(f"'{w}'" for w in words[:SHOWN])
    more = f", … {len(words):,} in all" if len(words) > SHOWN else ""
    print(f"{label:<11} {len(words):,}: {shown}{more}")


def print_diff(d) -> None:
    print(f"A           {d.a}  ({d.rows[0]:,} rows × {d.dims[0]})")
    print(f"B           {d.b}  ({d.rows[1]:,} rows × {d.dims[1]})")
    if d.identical:
        print("verdict     the same words in the same rows, the same values and settings")
        return
    if d.added:
        _words("added", d.added)
    if d.removed:
        _words("removed", d.removed)
    if d.moved:
        shown = ", ".join(f"'{w}' {i:,} → {j:,}" for w, i, j in d.moved[:SHOWN])
        more = f", … {len(d.moved):,} in all" if len(d.moved) > SHOWN else ""
        print(f"moved       {len(d.moved):,}: {shown}{more}")
    if d.dims[0] != d.dims[1]:
        print(f"values      not compared: {d.dims[0]} vs {d.dims[1]} dimensions")
    elif d.changed:
        print(f"values      {d.changed:,} of the {d.compared:,} words in both changed; the "
              f"largest change {d.largest_change:.4g} ('{d.largest_change_word}')")
    else:
        print(f"values      the {d.compared:,} words in both have the same values")
    if d.attributes_changed:
        shown = ", ".join(f"'{w}'" for w in d.attributes_changed[:SHOWN])
        more = (f", … {len(d.attributes_changed):,} in all"
                if len(d.attributes_changed) > SHOWN else "")
        print(f"attributes  {len(d.attributes_changed):,} of the words in both have other values "
              f"in attributes.tsv: {shown}{more}")
    for key, (a, b) in d.settings.items():
        print(f"setting     {key}: {_value(a)} → {_value(b)}")
