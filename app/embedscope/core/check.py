"""The alignment check: prove that the words and the rows line up, and say what is wrong when
they do not.

    report = check(emb)
    report.ok, [f.code for f in report.findings]

Codes (stable; the GUI, scripts and tests key on them):
count-mismatch, vocab-shift, partial-shift, header-mismatch, dim-mismatch, truncated,
non-finite (errors);
duplicate-token, empty-token, whitespace-token, encoding, zero-vector, identical-vectors,
norm-outliers (warnings); case-duplicates, not-frequency-ordered, anisotropy, hubness (info).
The work lives in check_words (the words alone), check_vectors (the matrix), check_source
(counts and headers) and shift (the vocabulary-shift detector).
"""
from __future__ import annotations

import time

from .check_model import model_findings
from .check_report import MAX_ROWS, AlignmentReport, Finding
from .check_source import (
    count_finding,
    header_findings,
    matrix_rows,
    shift_title,
    warning_findings,
)
from .check_vectors import scan_rows, space_findings, space_measures, vector_findings
from .check_words import frequency_order_finding, looks_like_header, token_findings
from .embedding import Embedding
from .jobs import Job
from .shift import candidate_offsets, detect_shift

__all__ = ["check", "AlignmentReport", "Finding", "MAX_ROWS", "SEVERITY_ORDER"]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def check(emb: Embedding, progress=None, should_stop=None) -> AlignmentReport:
    """Run every check on `emb` and return the report (findings sorted errors first)."""
    start = time.perf_counter()
    job = Job(progress, should_stop)
    src = emb.source
    vocab_size = len(src.words_in_file) if src.words_in_file is not None else len(emb.words)
    rows = matrix_rows(emb)
    findings: list[Finding] = []

    job.step(0, 1000, "checking the words")
    findings.extend(token_findings(emb.words, emb.word_to_row))
    if src.words_in_file is not None and len(src.words_in_file) > len(emb.words):
        # Words past the matrix's end are not in emb.words; their tokens still matter.
        tail = token_findings(src.words_in_file[len(emb.words):])
        findings.extend(f for f in tail if f.code in ("empty-token",) and not _has(findings, f))
    order = frequency_order_finding(emb.words, emb.attributes)
    if order is not None:
        findings.append(order)

    scan = scan_rows(emb.vectors, job.sub(0.05, 0.6))
    if "norms" not in emb.__dict__:
        emb.__dict__["norms"] = scan.norms  # same values Embedding.norms computes; keep them
    findings.extend(vector_findings(emb.words, emb.vectors, scan))

    job.step(600, 1000, "measuring the space")
    measures = space_measures(emb.vectors, scan, job=job)
    findings.extend(space_findings(emb.words, measures))

    shift = detect_shift(emb, offsets=candidate_offsets(emb),
                         progress=job.sub(0.75, 1.0).progress, should_stop=should_stop)
    measures["shift_scores"] = {str(k): round(v, 4) for k, v in shift.scores.items()}
    count = count_finding(emb, shift)
    if count is not None:
        findings.append(count)
    brk = shift.evidence.get("break")
    if brk is not None:
        if count is None or brk["after"] - brk["before"] != rows - vocab_size:
            findings.append(_partial_finding(brk, rows))  # else the count finding says it
    elif shift.found and (count is None or count.offset != shift.offset):
        findings.append(_shift_finding(shift, src.words_in_file or emb.words))
    findings.extend(header_findings(emb))
    findings.extend(model_findings(emb))
    findings.extend(warning_findings(emb, {f.code for f in findings}))

    for f in findings:
        # Rows are for highlighting in the loaded embedding: rows past its end (extra words,
        # rows the words never reached) exist only in the file and are left out here.
        f.rows = [r for r in f.rows if 0 <= r < emb.rows][:MAX_ROWS]
    findings.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 3))
    job.step(1000, 1000, "done")
    return AlignmentReport(rows=rows, dim=emb.dim, vocab_size=vocab_size, findings=findings,
                           measures=measures, shift=shift,
                           seconds=time.perf_counter() - start)


def _has(findings, f) -> bool:
    return any(g.code == f.code for g in findings)


def _shift_finding(shift, words) -> Finding:
    k = shift.offset
    ev = shift.evidence
    if k > 0:
        what = (f"the words list looks {k} line(s) short at the top (a padding token the "
                f"matrix has a row for?): word i's vector is at row i{k:+d}")
    else:
        what = (f"the words list looks {-k} line(s) too long at the top (a header line read "
                f"as a word?): word i's vector is at row i{k:+d}")
    msg = (f"the words are offset from the rows by {k:+d}: {what}. Related words score "
           f"{shift.scores[k]:.2f} mean cosine at {k:+d} but {shift.scores[0]:.2f} as loaded "
           f"(random pairs {ev.get('random pairs', 0):.2f}; z = {ev['z over 0'][k]:.0f}); "
           "moving the words by that many lines pairs each with its own vector")
    fix = "skip-header-line" if k == -1 and looks_like_header(words[0]) else "fix-shift"
    return Finding("vocab-shift", "error", msg, abs(k), list(ev.get("examples", []))[:5],
                   list(range(min(abs(k), MAX_ROWS))), offset=k, fix=fix,
                   title=shift_title(words, k))


def _partial_finding(brk, rows) -> Finding:
    d = brk["after"] - brk["before"]
    at = brk["around_row"]
    what = (f"{d} line(s) seem missing from the words list" if d > 0 else
            f"{-d} extra line(s) seem to be in the words list")
    msg = (f"the words fit the rows (offset {brk['before']:+d}) down to about row {at:,}, then "
           f"are off by {brk['after']:+d}: {what} around there, so every word after it has "
           "the wrong vector (moving the whole list cannot fix this; repair the words file)")
    return Finding("partial-shift", "error", msg, max(0, rows - at),
                   [f"fits {brk['before']:+d} up to row {brk['last_row_fitting']:,}",
                    f"fits {brk['after']:+d} from row {brk['from_row']:,}"],
                   list(range(at, min(rows, at + MAX_ROWS))),
                   title=f"The words go out of step with the rows around row {at:,}")
