"""`embedscope info`: what a file is — format, rows, dimension, size, load time, warnings; for
a model folder, which files and tensor were used and why."""
from __future__ import annotations

from .common import add_source_arguments, load_source, print_json, run_guarded

NAME = "info"
HELP = "show the format, shape, size and load warnings of an embedding file"
EXAMPLES = [
    "embedscope info glove.6B.50d.txt",
    "embedscope info vectors.npy --vocab vocab.txt --json",
    "embedscope info model.safetensors --vocab vocab.txt --tensor embeddings.weight",
    "embedscope info bert-base-uncased/",
]


def add_arguments(p) -> None:
    add_source_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")


def describe(emb) -> dict:
    src = emb.source
    return {
        "path": src.path,
        "format": src.format,
        "rows": emb.rows,
        "dim": emb.dim,
        "dtype": str(emb.vectors.dtype),
        "memory_mapped": emb.memory_mapped,
        "size_bytes": src.size,
        "vocab_path": src.vocab_path,
        "tensor": src.tensor,
        "header": list(src.header) if src.header else None,
        "from_cache": src.from_cache,
        "load_seconds": round(src.load_seconds, 4),
        "fingerprint": src.fingerprint,
        "attributes": sorted(emb.attributes),
        "warnings": list(src.warnings),
        "model": src.model.to_dict() if src.model is not None else None,
    }


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _print_model(m: dict, tensor: str, rows: int) -> None:
    """A model folder: the files read, the table chosen and why, the tokenizer's view of it."""
    from pathlib import Path

    print(f"folder      {m['folder']}")
    print(f"weights     {', '.join(Path(w).name for w in m['weights'])}")
    print(f"config      {Path(m['config_file']).name if m['config_file'] else 'none'}")
    print(f"words file  {Path(m['vocab_file']).name} ({m['vocab_because']})")
    print(f"tensor      {tensor}")
    print(f"  because   {m['chosen_because']}")
    past = rows - m["vocab_size"]
    extra = f"; {past:,} row(s) past its last id" if past > 0 else ""
    print(f"tokens      {m['vocab_size']:,} in the tokenizer{extra}")
    if m["special_tokens"]:
        print("special     " + ", ".join(f"{t} = {i}" for t, i in m["special_tokens"].items()))
    if m["pad_id"] is not None:
        print(f"padding id  {m['pad_id']}")
    if m["tied_because"]:
        print(f"tied output {m['tied_because']}")


@run_guarded
def run(args) -> int:
    emb = load_source(args)
    d = describe(emb)
    if args.json:
        print_json(d)
        return 0
    if d["model"]:
        _print_model(d["model"], d["tensor"], d["rows"])
    else:
        print(f"file        {d['path']}")
        if d["vocab_path"]:
            print(f"words file  {d['vocab_path']}")
    print(f"format      {d['format']}")
    if d["tensor"] and not d["model"]:
        print(f"tensor      {d['tensor']}")
    print(f"rows        {d['rows']:,}")
    print(f"dimension   {d['dim']}")
    print(f"dtype       {d['dtype']}{' (memory-mapped)' if d['memory_mapped'] else ''}")
    print(f"size        {_size(d['size_bytes'])}")
    print(f"loaded in   {d['load_seconds']:.3f} s{' (from cache)' if d['from_cache'] else ''}")
    if d["attributes"]:
        print(f"attributes  {', '.join(d['attributes'])}")
    if d["warnings"]:
        print(f"warnings    {len(d['warnings'])}")
        for w in d["warnings"][:20]:
            print(f"  - {w}")
        if len(d["warnings"]) > 20:
            print(f"  … and {len(d['warnings']) - 20} more")
    else:
        print("warnings    none")
    return 0
