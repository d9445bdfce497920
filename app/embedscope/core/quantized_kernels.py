"""Compiled loops of the 4-bit search copy (core/quantized.py); loaded (with numba) only through
core/compiled.py's `kernels`, when the copy is built.

The copy keeps rows in chunks of 16. A chunk is `planes` slices of 64 bytes; slice p holds, for
each of the 16 rows, 4 bytes: their low nibbles are the codes of dimensions 8p..8p+3, their
high nibbles those of 8p+4..8p+7 (codes 0..15, i.e. the signed code + 8). The query is 8 signed
bytes per slice in the same order. This is the operand layout of the x86 VNNI instruction
`vpdpbusd` (unsigned bytes × signed bytes, four products summed into each 32-bit lane), so on a
CPU that has it one instruction forms 16 rows × 4 products (AVX2 needs two). Plain loops compute
the same integers, and the same float32 estimates from them: they are the reference the
instruction forms are tested against. Searches use the copy only where an instruction form runs:
the plain loops are slower than one BLAS product over the whole matrix, so on other CPUs the
plain search runs.

The compiled helpers take the instruction form when the query is handed over as int32 words
(4 signed bytes each) and the plain loops when it is an int8 array; `FORM` says which
instructions this machine runs (AVX-512 VNNI, AVX-VNNI, or AVX2's two-step equivalent), `WIDTH`
their register width (0: plain loops only).

A row's estimate is scale · (Σ code × query − bias); with the row's error length `err` (NaN for
rows that are never results), est + err is the row's upper bound less the query's own slack.
"""
from __future__ import annotations

import os

import llvmlite.binding as llvm
import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils
from numba.core import types as nt
from numba.extending import intrinsic, overload

from .quantized_layout import ROWS  # rows per chunk (16)

SLICE = 4 * ROWS   # bytes per slice


FORMS = ("vnni512", "vnni256", "avx2", "plain")  # fastest first


def simd_form() -> str:
    """The fastest form this CPU runs: "vnni512" (AVX-512 VNNI), "vnni256" (AVX-VNNI), "avx2"
    (vpmaddubsw + vpmaddwd: the same integers in two steps — no overflow, as |15 × 127 × 2| is
    far below 32,767) or "plain". A fixed NUMBA_CPU_NAME (portable caches) means "plain";
    EMBEDSCOPE_SIMD=<form> asks for no faster than that form (tests of each form)."""
    if numba.config.CPU_NAME not in (None, "", "host"):
        return "plain"
    features = llvm.get_host_cpu_features()
    form = "plain"
    if features.get("avx2"):
        form = "avx2"
    if features.get("avxvnni") or (features.get("avx512vnni") and features.get("avx512vl")):
        form = "vnni256"
    if features.get("avx512vnni") and features.get("avx512f") and features.get("avx512bw"):
        form = "vnni512"
    asked = os.environ.get("EMBEDSCOPE_SIMD", "").strip().lower()
    if asked in FORMS and FORMS.index(asked) > FORMS.index(form):
        form = asked
    return form


FORM = simd_form()  # fixed for the process: the compiled code depends on it
WIDTH = {"vnni512": 512, "vnni256": 256, "avx2": 256}.get(FORM, 0)  # register bits, 0: plain


# --- the instruction form (LLVM IR) ----------------------------------------------------------

def _emit_chunk(context, builder, signature, args, with_err=True):
    """IR for one chunk: the estimate vectors and (with_err) the est + err vectors (NaN rows
    → −inf), one pair per register's worth of rows. args = codes, chunk, q, bias, scale[, err]."""
    codes_v, chunk_v, q_v, bias_v, scale_v = args[:5]
    tys = signature.args
    i32, i64, f32 = ir.IntType(32), ir.IntType(64), ir.FloatType()
    lanes = 16 if WIDTH == 512 else 8
    ivec, fvec = ir.VectorType(i32, lanes), ir.VectorType(f32, lanes)
    dot = _dot_instruction(builder, ivec, lanes)
    bias_v = context.cast(builder, bias_v, tys[3], nt.int32)
    scale_v = context.cast(builder, scale_v, tys[4], nt.float32)
    ca = context.make_array(tys[0])(context, builder, codes_v)
    qa = context.make_array(tys[2])(context, builder, q_v)
    planes = builder.extract_value(ca.shape, 1)
    chunk64 = builder.sext(chunk_v, i64) if chunk_v.type.width < 64 else chunk_v

    def const(value):
        return ir.Constant(i64, value)

    def splat(value, vec):
        undef = ir.Constant(vec, ir.Undefined)
        one = builder.insert_element(undef, value, ir.Constant(i32, 0))
        return builder.shuffle_vector(one, undef, ir.Constant(ivec, [0] * lanes))

    base = builder.gep(ca.data, [builder.mul(chunk64, builder.mul(planes, const(SLICE)))])
    qwords = builder.bitcast(qa.data, i32.as_pointer())
    nibbles = ir.Constant(ivec, [0x0F0F0F0F] * lanes)
    four = ir.Constant(ivec, [4] * lanes)
    halves = ROWS // lanes
    # two sums per register's worth of rows (low and high nibbles): the instruction's latency
    # would otherwise chain every slice of a chunk one after another
    accs = [[cgutils.alloca_once_value(builder, ir.Constant(ivec, [0] * lanes))
             for _ in range(2)] for _ in range(halves)]
    with cgutils.for_range(builder, planes) as loop:
        word = builder.shl(loop.index, const(1))
        q_low = splat(builder.load(builder.gep(qwords, [word])), ivec)
        q_high = splat(builder.load(builder.gep(qwords, [builder.add(word, const(1))])), ivec)
        start = builder.gep(base, [builder.mul(loop.index, const(SLICE))])
        for h in range(halves):
            src = builder.bitcast(builder.gep(start, [const(h * lanes * 4)]), ivec.as_pointer())
            v = builder.load(src, align=1)
            low, high = accs[h]
            builder.store(dot(builder.load(low), builder.and_(v, nibbles), q_low), low)
            nibble_high = builder.and_(builder.lshr(v, four), nibbles)
            builder.store(dot(builder.load(high), nibble_high, q_high), high)
    first_row = builder.mul(chunk64, const(ROWS))
    out = []
    for h in range(halves):
        total = builder.add(builder.load(accs[h][0]), builder.load(accs[h][1]))
        sums = builder.sub(total, splat(bias_v, ivec))
        est = builder.fmul(builder.sitofp(sums, fvec), splat(scale_v, fvec))
        if not with_err:
            out.append((est, None))
            continue
        ea = context.make_array(tys[5])(context, builder, args[5])
        errs = builder.load(builder.bitcast(
            builder.gep(ea.data, [builder.add(first_row, const(h * lanes))]),
            fvec.as_pointer()), align=4)
        top = builder.fadd(est, errs)
        top = builder.select(builder.fcmp_ordered("ord", top, top), top,
                             ir.Constant(fvec, [float("-inf")] * lanes))
        out.append((est, top))
    return out, lanes


def _dot_instruction(builder, ivec, lanes):
    """dot(acc, u8 bytes, s8 bytes): acc plus, per 32-bit lane, the four byte products summed."""
    if FORM.startswith("vnni"):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ivec, [ivec] * 3),
                                            f"llvm.x86.avx512.vpdpbusd.{WIDTH}")
        return lambda acc, a, b: builder.call(fn, [acc, a, b])
    bytes_, words = ir.VectorType(ir.IntType(8), 32), ir.VectorType(ir.IntType(16), 16)
    pairs = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(words, [bytes_, bytes_]), "llvm.x86.avx2.pmadd.ub.sw")
    quads = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ivec, [words, words]), "llvm.x86.avx2.pmadd.wd")
    ones = ir.Constant(words, [1] * 16)

    def dot(acc, a, b):
        two = builder.call(pairs, [builder.bitcast(a, bytes_), builder.bitcast(b, bytes_)])
        return builder.add(acc, builder.call(quads, [two, ones]))
    return dot


def _reduce_max(builder, vec, lanes):
    """The largest lane (no NaN lanes): halving steps of compare-and-select."""
    i32 = ir.IntType(32)
    while lanes > 1:
        half = lanes // 2
        picks = ir.VectorType(i32, half)
        low = builder.shuffle_vector(vec, vec, ir.Constant(picks, list(range(half))))
        high = builder.shuffle_vector(vec, vec, ir.Constant(picks, list(range(half, lanes))))
        vec = builder.select(builder.fcmp_ordered(">", low, high), low, high)
        lanes = half
    return builder.extract_element(vec, ir.Constant(i32, 0))


@intrinsic
def _simd_best(typingctx, codes, chunk, q, bias, scale):
    """The instruction form of `chunk_best`."""
    sig = nt.float32(codes, chunk, q, bias, scale)

    def codegen(context, builder, signature, args):
        parts, lanes = _emit_chunk(context, builder, signature, args, with_err=False)
        best = parts[0][0]
        for est, _ in parts[1:]:
            best = builder.select(builder.fcmp_ordered(">", est, best), est, best)
        return _reduce_max(builder, best, lanes)

    return sig, codegen


@intrinsic
def _simd_reaching(typingctx, codes, chunk, q, bias, scale, err, cut, est_out):
    """The instruction form of `chunk_reaching`."""
    sig = nt.int32(codes, chunk, q, bias, scale, err, cut, est_out)

    def codegen(context, builder, signature, args):
        parts, lanes = _emit_chunk(context, builder, signature, args)
        i32 = ir.IntType(32)
        cut_v = context.cast(builder, args[6], signature.args[6], nt.float32)
        cut_vec = builder.insert_element(ir.Constant(parts[0][1].type, ir.Undefined), cut_v,
                                         ir.Constant(i32, 0))
        cut_vec = builder.shuffle_vector(cut_vec, cut_vec, ir.Constant(
            ir.VectorType(i32, lanes), [0] * lanes))
        oa = context.make_array(signature.args[7])(context, builder, args[7])
        mask = ir.Constant(i32, 0)
        for h, (est, top) in enumerate(parts):
            dst = builder.gep(oa.data, [ir.Constant(ir.IntType(64), h * lanes)])
            builder.store(est, builder.bitcast(dst, est.type.as_pointer()), align=4)
            hit = builder.fcmp_ordered(">=", top, cut_vec)
            bits = builder.zext(builder.bitcast(hit, ir.IntType(lanes)), i32)
            mask = builder.or_(mask, builder.shl(bits, ir.Constant(i32, h * lanes)))
        return mask

    return sig, codegen


# --- the plain form ----------------------------------------------------------------------------

def _plain_estimates(codes, chunk, q, bias, scale, est):
    """est[0:16] = the chunk's estimates, one 4-byte word per row and slice. The sums are kept
    in float32: every product and partial sum is an integer below 2**24, so exact, and the
    estimates equal the instruction forms' to the last bit."""
    for r in range(ROWS):
        est[r] = 0
    for p in range(codes.shape[1]):
        words = codes[chunk, p].view(np.uint32)
        q0, q1, q2, q3 = (np.float32(q[8 * p]), np.float32(q[8 * p + 1]),
                          np.float32(q[8 * p + 2]), np.float32(q[8 * p + 3]))
        q4, q5, q6, q7 = (np.float32(q[8 * p + 4]), np.float32(q[8 * p + 5]),
                          np.float32(q[8 * p + 6]), np.float32(q[8 * p + 7]))
        for r in range(ROWS):
            w = np.int32(words[r])
            est[r] += (np.float32(w & 15) * q0 + np.float32((w >> 8) & 15) * q1
                       + np.float32((w >> 16) & 15) * q2 + np.float32((w >> 24) & 15) * q3
                       + np.float32((w >> 4) & 15) * q4 + np.float32((w >> 12) & 15) * q5
                       + np.float32((w >> 20) & 15) * q6 + np.float32((w >> 28) & 15) * q7)
    for r in range(ROWS):
        est[r] = np.float32(scale) * (est[r] - np.float32(bias))


def chunk_best(codes, chunk, q, bias, scale, scratch):
    """The largest estimate among the chunk's 16 rows (`scratch`: room for 16 floats)."""


def chunk_reaching(codes, chunk, q, bias, scale, err, cut, est):
    """est[0:16] = the chunk's estimates; returns a bit mask of the rows whose est + err
    reaches `cut` (never a NaN row)."""


@overload(chunk_best, inline="always")
def _chunk_best_impl(codes, chunk, q, bias, scale, scratch):
    if q.dtype == nt.int32:  # packed words: the instruction form
        return lambda codes, chunk, q, bias, scale, scratch: _simd_best(
            codes, chunk, q, bias, scale)

    def plain(codes, chunk, q, bias, scale, scratch):
        _plain_estimates_jit(codes, chunk, q, bias, scale, scratch)
        best = scratch[0]
        for r in range(1, ROWS):
            best = max(best, scratch[r])
        return best
    return plain


@overload(chunk_reaching, inline="always")
def _chunk_reaching_impl(codes, chunk, q, bias, scale, err, cut, est):
    if q.dtype == nt.int32:
        return lambda codes, chunk, q, bias, scale, err, cut, est: _simd_reaching(
            codes, chunk, q, bias, scale, err, cut, est)

    def plain(codes, chunk, q, bias, scale, err, cut, est):
        _plain_estimates_jit(codes, chunk, q, bias, scale, est)
        mask = 0
        for r in range(ROWS):
            if est[r] + err[chunk * ROWS + r] >= np.float32(cut):
                mask |= 1 << r
        return mask
    return plain


_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_plain_estimates_jit = numba.njit(cache=True, nogil=True, inline="always")(_plain_estimates)


# --- the passes ------------------------------------------------------------------------------

@_jit
def first_pass(codes, q, bias, scale, chunk_err, chunks, upper, picked):
    """First pass over chunks 0..chunks: upper[c] = the chunk's largest estimate + its largest
    error length; `picked` ends holding the len(picked) chunks with the largest estimates
    (best first not promised)."""
    m = picked.shape[0]
    best = np.full(m, -np.inf, dtype=np.float32)
    for j in range(m):
        picked[j] = -1
    worst = 0          # the slot of the smallest kept estimate
    scratch = np.empty(ROWS, dtype=np.float32)
    for c in range(chunks):
        e = chunk_best(codes, c, q, bias, scale, scratch)
        upper[c] = e + chunk_err[c]
        if e > best[worst]:
            best[worst] = e
            picked[worst] = c
            for j in range(m):
                if best[j] < best[worst]:
                    worst = j


@_jit
def second_pass(codes, err, q, bias, scale, slack, upper, first_rows, first_vectors,
                first_norms, query, k, exclude, n, out):
    """Score the rows of the picked chunks (first_rows, their vectors and norms) exactly; their
    k-th best cosine is a value the true k-th best reaches. Then keep, from the chunks whose
    upper bound reaches it, the rows (below n, not in `exclude`) whose own bound does, into
    `out`. Returns how many; -1 when more than fit, -2 when fewer than k rows could be scored.
    """
    scores = np.empty(first_rows.shape[0], dtype=np.float64)
    found = 0
    for i in range(first_rows.shape[0]):
        row = first_rows[i]
        if row >= n or _listed(exclude, row) or not first_norms[i] > 0:
            continue
        dot = 0.0
        for j in range(query.shape[0]):
            dot += np.float64(first_vectors[i, j]) * np.float64(query[j])
        score = dot / np.float64(first_norms[i])
        if np.isfinite(score):
            scores[found] = score
            found += 1
    if found < k:
        return -2
    threshold = np.sort(scores[:found])[found - k]
    cut = np.float32(threshold - slack)
    chunk_est = np.empty(ROWS, dtype=np.float32)
    count = 0
    for c in range(upper.shape[0]):
        if not upper[c] >= cut:
            continue
        if count + ROWS > out.shape[0]:
            return -1
        mask = chunk_reaching(codes, c, q, bias, scale, err, cut, chunk_est)
        for r in range(ROWS):
            row = c * ROWS + r
            if (mask >> r) & 1 and row < n and not _listed(exclude, row):
                out[count] = row
                count += 1
    return count


@numba.njit(cache=True, nogil=True, inline="always")
def _listed(exclude, row):
    for x in range(exclude.shape[0]):
        if exclude[x] == row:
            return True
    return False


@_jit
def code_rows(unit, inverse, scale, good, rounding, codes, err):
    """Round rows on the copy's axes to codes −8..7 (+8 stored, into `codes`), their error
    lengths into `err` (NaN where not `good`); returns the largest |code vector|² and the
    largest squared length on the uncoded axes, over the good rows."""
    coded = codes.shape[1]
    code_top = 0.0
    tail_top = 0.0
    for i in range(unit.shape[0]):
        lost = 0.0
        length = 0.0
        for j in range(coded):
            c = min(7.0, max(-8.0, np.rint(unit[i, j] * inverse[j])))
            codes[i, j] = np.uint8(c + 8)
            d = np.float64(unit[i, j]) - c * scale[j]
            lost += d * d
            length += c * c
        tail = 0.0
        for j in range(coded, unit.shape[1]):
            tail += np.float64(unit[i, j]) ** 2
        if good[i]:
            err[i] = np.sqrt(lost) + rounding
            code_top = max(code_top, length)
            tail_top = max(tail_top, tail)
        else:
            err[i] = np.nan
    return code_top, tail_top


@_jit
def query_codes(query, rotation, axis_scale, code_len, tail_len, rounding, ints):
    """A unit query on the copy's axes, scaled per axis and rounded to signed bytes (into
    `ints`); returns (bias, scale, slack) as QueryCodes describes them."""
    coded = ints.shape[0]
    dim = rotation.shape[0]
    w = np.empty(coded, dtype=np.float64)
    tail = 0.0
    top = 0.0
    for a in range(dim):
        x = 0.0
        for j in range(dim):
            x += np.float64(query[j]) * np.float64(rotation[j, a])
        if a < coded:
            w[a] = x * axis_scale[a]
            top = max(top, abs(w[a]))
        else:
            tail += x * x
    scale = top / 127 if top > 0 else 1.0
    bias = 0
    lost = 0.0
    for a in range(coded):
        c = np.rint(w[a] / scale)
        ints[a] = np.int8(c)
        bias += 8 * np.int64(c)
        lost += (w[a] - c * scale) ** 2
    return bias, scale, np.sqrt(lost) * code_len + np.sqrt(tail) * tail_len + rounding


@_jit
def estimates(codes, err, q, bias, scale, n, out):
    """out[i] = the estimate of row i, rows 0..n (tests and diagnostics)."""
    chunk_est = np.empty(ROWS, dtype=np.float32)
    for c in range((n + ROWS - 1) // ROWS):
        chunk_reaching(codes, c, q, bias, scale, err, np.float32(np.inf), chunk_est)
        for r in range(ROWS):
            if c * ROWS + r < n:
                out[c * ROWS + r] = chunk_est[r]
