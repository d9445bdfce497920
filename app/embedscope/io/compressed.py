"""Reading through gzip, bz2, xz and zip, recognised by their magic bytes, not the extension."""
from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path

from ..core.errors import EmbeddingFormatError

MAGIC = [
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
]


def compression_of(path) -> str | None:
    with open(path, "rb") as f:
        start = f.read(8)
    for magic, name in MAGIC:
        if start.startswith(magic):
            if name == "zip" and _is_container_zip(path):
                return None  # .npz and PyTorch checkpoints are zips their readers open
            return name
    return None


def _is_container_zip(path) -> bool:
    """A zip that is a file format of its own: numpy's .npz or PyTorch's checkpoint."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except zipfile.BadZipFile:
        return False
    if names and all(n.endswith(".npy") for n in names):
        return True
    return any(n.endswith("data.pkl") or n.endswith("/version") for n in names)


def open_binary(path):
    """A binary file object over the decompressed content (the only member, for zip)."""
    path = Path(path)
    comp = compression_of(path)
    if comp is None:
        return open(path, "rb")
    if comp == "gzip":
        return gzip.open(path, "rb")
    if comp == "bz2":
        return bz2.open(path, "rb")
    if comp == "xz":
        return lzma.open(path, "rb")
    z = zipfile.ZipFile(path)
    members = [i for i in z.infolist() if not i.is_dir()]
    if len(members) != 1:
        z.close()
        raise EmbeddingFormatError(path, None, f"zip archive holds {len(members)} files",
                                   "exactly one embedding file inside the zip")
    return z.open(members[0], "r")
