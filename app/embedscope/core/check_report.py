"""What the alignment check hands back: an `AlignmentReport` of `Finding`s.

Each finding has a stable `code` (the GUI, scripts and tests key on it), a `severity`
(error / warning / info), a one-line message, the true `count`, a few examples a user can
read, and at most MAX_ROWS of the rows involved (for highlighting).
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_ROWS = 1000
# Findings that say the words may not sit on their own rows (vs. problems of the rows alone).
PAIRING_CODES = ("count-mismatch", "vocab-shift", "partial-shift")
SEVERITIES = ("error", "warning", "info")


def capped(rows, n: int = MAX_ROWS) -> list[int]:
    return [int(r) for r in list(rows)[:n]]


def show(word: str) -> str:
    """A token as a user can see it: control characters and edge spaces made visible."""
    return repr(word)[1:-1] if (not word.isprintable() or word != word.strip()) else word


def quoted(word) -> str:
    return f"'{show(word)}'"


@dataclass
class Finding:
    """One thing the check found. `rows` is capped at MAX_ROWS; `count` is the true total.
    `offset` is set when the words fit the rows moved by some lines (word i's vector is at row
    i + offset). `fix` names the repair that would pair them right (a key of core.pairing.FIXES,
    applied with `offset`), and `title` is the headline a user reads first, in plain words."""

    code: str
    severity: str
    message: str
    count: int
    examples: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    offset: int | None = None
    fix: str | None = None
    title: str = ""

    @property
    def headline(self) -> str:
        """The title, or the message's first clause when there is none."""
        if self.title:
            return self.title
        head = self.message.split(": ", 1)[0]
        return head[:1].upper() + head[1:]

    def to_dict(self) -> dict:
        d = {"code": self.code, "severity": self.severity, "message": self.message,
             "count": int(self.count), "examples": list(self.examples)}
        if self.offset is not None:
            d["offset"] = int(self.offset)
        if self.fix is not None:
            d["fix"] = self.fix
        return d


@dataclass
class AlignmentReport:
    """The check's verdict on one embedding.

    `rows` and `dim` are the matrix's shape (the full matrix, also when the words were
    fewer), `vocab_size` the number of words in the words list. `measures` holds the figures
    computed on the way whether or not they led to a finding (anisotropy, hubness, …);
    `shift` the vocabulary-shift detector's full result.
    """

    rows: int
    dim: int
    vocab_size: int
    findings: list[Finding] = field(default_factory=list)
    measures: dict = field(default_factory=dict)
    shift: object | None = None  # core.shift.ShiftResult
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """False when any error-level finding exists."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    @property
    def pairing_problem(self) -> Finding | None:
        """The error saying the words may not match the rows, or None."""
        return next((f for f in self.findings
                     if f.severity == "error" and f.code in PAIRING_CODES), None)

    @property
    def fixes(self) -> list[tuple[str, int]]:
        """The repairs the findings propose, as (fix name, offset), each once, errors first."""
        out: list[tuple[str, int]] = []
        for f in self.findings:
            if f.fix is not None and (f.fix, f.offset or 0) not in out:
                out.append((f.fix, f.offset or 0))
        return out

    def get(self, code: str) -> Finding | None:
        for f in self.findings:
            if f.code == code:
                return f
        return None

    def to_dict(self) -> dict:
        return {"rows": int(self.rows), "dim": int(self.dim), "vocab_size": int(self.vocab_size),
                "ok": self.ok, "findings": [f.to_dict() for f in self.findings],
                "measures": {k: (round(v, 4) if isinstance(v, float) else v)
                             for k, v in self.measures.items()},
                "seconds": round(self.seconds, 3)}
