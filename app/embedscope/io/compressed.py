"""Reading through gzip, bz2, xz and zip, recognised by their magic bytes, not the extension."""
from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
import zlib
from pathlib import Path

from ..core.errors import EmbeddingFormatError

# What damaged compressed data raises from the standard library: cut-short streams (EOFError),
# bad CRCs and headers (OSError, BadZipFile, zlib.error), unknown zip methods
# (NotImplementedError), encrypted members (RuntimeError), impossible sizes (ValueError).
DECOMPRESS_ERRORS = (EOFError, OSError, lzma.LZMAError, zipfile.BadZipFile, zlib.error,
                      NotImplementedError, RuntimeError, ValueError)

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
    except DECOMPRESS_ERRORS:   # a damaged zip: open_binary says what is wrong with it
        return False
    if names and all(n.endswith(".npy") for n in names):
        return True
    return any(n.endswith("data.pkl") or n.endswith("/version") for n in names)


def open_binary(path):
    """A binary file object over the decompressed content (the only member, for zip).

    Reading damaged or cut-short compressed data raises EmbeddingFormatError naming the file,
    never the decompressor's own EOFError/OSError."""
    path = Path(path)
    comp = compression_of(path)
    if comp is None:
        return open(path, "rb")
    if comp == "gzip":
        inner = gzip.open(path, "rb")
    elif comp == "bz2":
        inner = bz2.open(path, "rb")
    elif comp == "xz":
        inner = lzma.open(path, "rb")
    else:
        inner = _open_zip_member(path)
    return _Guarded(inner, path, comp)


def _open_zip_member(path: Path):
    """The only file of a zip archive, opened for reading; a damaged archive (cut short by an
    interrupted download, an unknown compression method, encrypted) is an EmbeddingFormatError."""
    try:
        z = zipfile.ZipFile(path)
    except DECOMPRESS_ERRORS as exc:
        raise EmbeddingFormatError(path, "zip directory", f"the zip archive is damaged or cut "
                                   f"short ({exc})", "a complete zip archive") from None
    members = [i for i in z.infolist() if not i.filename.endswith("/")]
    if len(members) != 1:
        z.close()
        raise EmbeddingFormatError(path, None, f"zip archive holds {len(members)} files",
                                   "exactly one embedding file inside the zip")
    try:
        return z.open(members[0], "r")
    except DECOMPRESS_ERRORS as exc:
        z.close()
        raise EmbeddingFormatError(path, f"member '{members[0].filename}'",
                                   f"cannot be read ({exc})",
                                   "a zip member stored or deflated, not encrypted") from None


def _damaged(path, comp, done, exc) -> EmbeddingFormatError:
    return EmbeddingFormatError(
        path, f"after {done:,} bytes of decompressed text",
        f"the {comp} data is damaged or cut short ({exc})", "a complete compressed file")




class _Guarded:
    """A decompressing reader whose errors name the file and the place."""

    def __init__(self, inner, path, comp):
        self._inner, self._path, self._comp, self._done = inner, path, comp, 0

    def read(self, n=-1):
        try:
            data = self._inner.read(n)
        except DECOMPRESS_ERRORS as exc:
            raise _damaged(self._path, self._comp, self._done, exc) from None
        self._done += len(data)
        return data

    def readline(self, n=-1):
        try:
            data = self._inner.readline(n)
        except DECOMPRESS_ERRORS as exc:
            raise _damaged(self._path, self._comp, self._done, exc) from None
        self._done += len(data)
        return data

    def readinto(self, view) -> int:
        try:
            n = self._inner.readinto(view) or 0
        except DECOMPRESS_ERRORS as exc:
            raise _damaged(self._path, self._comp, self._done, exc) from None
        self._done += n
        return n

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def close(self):
        self._inner.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._inner.close()


class Stream:
    """A decompressed byte stream that also knows how far into the file on disk it has read,
    so a load can report progress in bytes of the file (compressed or not) and name the byte
    where damaged compressed data stops."""

    def __init__(self, path):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.compression = compression_of(self.path)
        self._raw = open(self.path, "rb")
        self._zip = None
        if self.compression is None:
            self._inner = self._raw
        elif self.compression == "gzip":
            self._inner = gzip.GzipFile(fileobj=self._raw, mode="rb")
        elif self.compression == "bz2":
            self._inner = bz2.BZ2File(self._raw, "rb")
        elif self.compression == "xz":
            self._inner = lzma.LZMAFile(self._raw, "rb")
        else:
            self._raw.close()
            self._inner = open_binary(self.path)
            self._raw = None
        self.decompressed = 0  # bytes handed out so far

    def position(self) -> int:
        """Bytes of the file on disk consumed so far (for progress)."""
        if self._raw is not None:
            try:
                return self._raw.tell()
            except (OSError, ValueError):
                return 0
        return min(self.size, self.decompressed)  # zip member: no cheap raw offset

    def read(self, n: int) -> bytes:
        try:
            data = self._inner.read(n)
        except DECOMPRESS_ERRORS as exc:
            raise _damaged(self.path, self.compression or "file", self.decompressed, exc) from None
        self.decompressed += len(data)
        return data

    def readinto(self, view) -> int:
        """Fill `view` (a writable buffer) as far as one read goes; 0 at the end."""
        try:
            n = self._inner.readinto(view) or 0
        except DECOMPRESS_ERRORS as exc:
            raise _damaged(self.path, self.compression or "file", self.decompressed, exc) from None
        self.decompressed += n
        return n

    def close(self) -> None:
        self._inner.close()
        if self._raw is not None and self._raw is not self._inner:
            self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
