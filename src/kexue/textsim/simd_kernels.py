"""The relaxed bound's inner kernels, written as LLVM vector code.

**``stream_rows``** — one dimension block of up to four query rows against a run of consecutive corpus token
vectors. ``stream_rows(nrows, codes, base, nvec, h0, h1, qc, i0, P, col, tok_consts, block_consts, b, v0,
row_consts, keys, best_d, with_cols, first)`` reads ``nvec`` vectors of eight tokens each (global vectors
``v0 …``; the block's codes of vector ``v`` are ``BLOCK·8`` bytes ``k + 128`` from ``codes[base + (v − v0)·BLOCK·8]``,
in groups of four dimensions: group ``g`` holds the four bytes of each of the eight tokens, token after token),
the query rows ``i0 … i0 + nrows − 1`` (int8 codes ``qc`` with ``|q̂| ≤ 64``) and the rotated dimensions
``h0 ≤ h < h1`` of block ``b``, and for every token ``j`` of the run (local column ``col + 8(v − v0) + lane``)

1. adds the block to the partial dot products, in exact integer arithmetic:
   ``P[i, j] += σ_i · (Σ_h q̂[i, h] · (k_jh + 128) − qoff_i)`` with ``qoff_i = 128 Σ_h q̂[i, h]``;
2. turns them into cost keys (the bounds of :mod:`kexue.textsim.quantized_bounds`)

       key_ij = α_i + β_j − γ_i (a_j P[i, j] + ρ_i τ_j + φ_i kn_j + c_j),

   stores ``key_ij − α_i`` in ``keys[i − i0, j]`` and, if ``with_cols``, lowers ``best_d[j]`` to ``min_i key_ij``.

With ``first`` (block 0) the previous ``P`` is taken as 0 without being read. Tokens of several documents share
a vector: the run covers whole vectors, and :func:`doc_rows` takes each document's minimum over its own
columns afterwards, so documents need no padding.

**``doc_rows``** — one document's row terms from its columns ``t0 ≤ j < t1``: ``min_j keys[r, j]`` for the
four rows at once (whole vectors, the last one overlapping the previous, which a minimum does not mind, or one
vector with the lanes past ``t1`` masked when the document has fewer than eight tokens; ``keys`` needs eight
columns of slack at the end), then the row terms and their rise (see :func:`doc_rows`).

Per vector ``v``, ``tok_consts[v]`` holds the rows ``a, c`` and ``block_consts[b, v]`` the rows ``β, τ, kn`` of
block ``b`` (8 lanes each); per block and query row, ``row_consts[b, i]`` holds ``σ, φ, ρ, α, −γ`` and ``qoff``
(its int32 bits). Packing them keeps the number of live pointers small: with one array per quantity the call
spent as long on reloading spilled addresses as on the products.

Step 1 is ``vpmaddubsw`` + ``vpmaddwd`` on AVX2: 32 byte products per two instructions, about twice the rate
of widening the codes to float32 for FMAs. The ranges make it exact: a pair of products is at most
``2·255·64 = 32640`` (no 16-bit saturation) and a block sum fits easily in 32 bits. Vectorising over tokens
rather than dimensions needs no horizontal sums, and the keys are computed while the sums are in registers.
numba vectorises neither loop by itself, hence explicit vector IR; where AVX2 is missing the same integer
arithmetic is written as plain LLVM vector IR (exact, slower). Padding tokens must have ``β = BIG`` (their keys
then never win a minimum); ``h1 − h0`` must be a multiple of 4.
"""

from __future__ import annotations

import os

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

ROWS = 4  # query rows per call (the last group of a query may have 1–3)
BIG = 1e30  # "no token": a finite stand-in for +inf in the cost keys, so minima vectorise
QMAX = 64  # largest |query code|: keeps each pair of byte products below 2^15
PREFETCH = 2048  # bytes of codes prefetched ahead (two vectors' blocks of 128), about a DRAM latency at the kernel's pace
OFFSET = 128  # corpus codes are stored as k + OFFSET (unsigned bytes)
TOKEN_FIELDS = ("a", "c")  # rows of tok_consts
BLOCK_FIELDS = ("beta", "tail", "kn")  # rows of block_consts
ROW_FIELDS = ("sigma", "phi", "rho", "alpha", "neg_gamma", "qoff")  # entries of row_consts (qoff: int32 bits)
_F32 = ir.FloatType()
_F32x8 = ir.VectorType(_F32, 8)
_I8x32 = ir.VectorType(ir.IntType(8), 32)
_I16 = ir.IntType(16)
_I16x16 = ir.VectorType(_I16, 16)
_I32 = ir.IntType(32)
_I32x8 = ir.VectorType(_I32, 8)
# KEXUE_PORTABLE_KERNEL=1 compiles the plain-IR arithmetic even on AVX2 machines (the test suite checks that
# both give the same bounds; set NUMBA_CACHE_DIR to a fresh folder too, or numba reuses the cached kernel)
_AVX2 = ("+avx2" in llvm.get_host_cpu_features().flatten().split(",")
         and os.environ.get("KEXUE_PORTABLE_KERNEL", "") in ("", "0"))


def _splat(b, x, vty=_F32x8):
    one = b.insert_element(ir.Constant(vty, ir.Undefined), x, ir.Constant(_I32, 0))
    return b.shuffle_vector(one, ir.Constant(vty, ir.Undefined), ir.Constant(_I32x8, [0] * 8))


class _Emitter:
    NAMES = ("codes", "base", "nvec", "h0", "h1", "qc", "i0", "P", "col", "tok_consts", "block_consts", "b", "v0",
             "row_consts", "keys", "best_d", "with_cols", "first")

    def __init__(self, context, builder, sig, args, nrows):
        self.context, self.builder, self.nrows = context, builder, nrows
        self.ty = dict(zip(self.NAMES, sig.args))
        self.v = dict(zip(self.NAMES, args))
        self.arr = {n: context.make_array(self.ty[n])(context, builder, self.v[n])
                    for n in self.NAMES if isinstance(self.ty[n], types.Array)}
        self.intp = self.v["base"].type
        mod = builder.module
        self.fma = cgutils.get_or_insert_function(mod, ir.FunctionType(_F32x8, [_F32x8] * 3), "llvm.fma.v8f32")
        self.prefetch = cgutils.get_or_insert_function(
            mod, ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer(), _I32, _I32, _I32]), "llvm.prefetch.p0i8")
        if _AVX2:
            self.pmaddubsw = cgutils.get_or_insert_function(mod, ir.FunctionType(_I16x16, [_I8x32, _I8x32]),
                                                            "llvm.x86.avx2.pmadd.ub.sw")
            self.pmaddwd = cgutils.get_or_insert_function(mod, ir.FunctionType(_I32x8, [_I16x16, _I16x16]),
                                                          "llvm.x86.avx2.pmadd.wd")
            self.minps = cgutils.get_or_insert_function(mod, ir.FunctionType(_F32x8, [_F32x8, _F32x8]),
                                                        "llvm.x86.avx.min.ps.256")

    def const(self, x):
        return ir.Constant(self.intp, x)

    def ptr(self, name, idx):
        return cgutils.get_item_pointer(self.context, self.builder, self.ty[name], self.arr[name], idx)

    def at(self, base, offset, ty=_F32x8):
        """Pointer to a ``ty`` at element ``offset`` of the scalar pointer ``base``."""
        return self.builder.bitcast(self.builder.gep(base, [offset]), ty.as_pointer())

    def vmin_stored(self, x, y):
        """``min(x, y)`` for a value stored back over ``x``: compare-and-select there becomes a masked store
        (``vmaskmovps``, microcoded and slow on AMD), so on AVX2 use ``vminps`` itself."""
        if _AVX2:
            return self.builder.call(self.minps, [x, y])
        return _vmin(self.builder, x, y)

    def quad_dot(self, x, q):
        """Eight sums of four products ``Σ_t x[4l + t] q[4l + t]`` (``x`` unsigned, ``q`` signed bytes)."""
        b = self.builder
        if _AVX2:
            return b.call(self.pmaddwd, [b.call(self.pmaddubsw, [x, q]), ir.Constant(_I16x16, [1] * 16)])
        prod = b.mul(b.zext(x, ir.VectorType(_I16, 32)), b.sext(q, ir.VectorType(_I16, 32)))
        pairs = b.sext(b.add(b.shuffle_vector(prod, prod, ir.Constant(ir.VectorType(_I32, 16), list(range(0, 32, 2)))),
                             b.shuffle_vector(prod, prod, ir.Constant(ir.VectorType(_I32, 16), list(range(1, 32, 2))))),
                       ir.VectorType(_I32, 16))
        return b.add(b.shuffle_vector(pairs, pairs, ir.Constant(_I32x8, list(range(0, 16, 2)))),
                     b.shuffle_vector(pairs, pairs, ir.Constant(_I32x8, list(range(1, 16, 2)))))

    def columns(self, k0, nvec, with_cols):
        """Accumulate, key and store the run's vectors ``k0 … k0 + nvec − 1``."""
        b, v = self.builder, self.v
        rc = self.rc
        # the sums start at −qoff: the codes' offset of 128 is taken off before the first product
        acc = [[cgutils.alloca_once_value(b, b.neg(_splat(b, rc[r]["qoff"], _I32x8))) for _ in range(nvec)]
               for r in range(self.nrows)]
        vbytes = b.mul(b.sub(v["h1"], v["h0"]), self.const(8))  # bytes of one vector's block
        first_vec = b.gep(self.codes0, [b.add(v["base"], b.mul(k0, vbytes))])
        with cgutils.for_range(b, b.sdiv(b.sub(v["h1"], v["h0"]), self.const(4))) as loop:
            start = b.mul(loop.index, self.const(32))
            xs = [b.load(self.at(first_vec, b.add(start, b.mul(self.const(k), vbytes)), _I8x32), align=1)
                  for k in range(nvec)]
            for k in range(nvec):  # the codes PREFETCH bytes ahead: the first row group streams them from memory
                addr = b.gep(first_vec, [b.add(start, b.add(b.mul(self.const(k), vbytes), self.const(PREFETCH)))])
                b.call(self.prefetch, [addr, ir.Constant(_I32, 0), ir.Constant(_I32, 3), ir.Constant(_I32, 1)])
            for r in range(self.nrows):
                q4 = b.load(self.at(self.qrow[r], b.mul(loop.index, self.const(4)), _I32), align=1)
                q = b.bitcast(_splat(b, q4, _I32x8), _I8x32)
                for k in range(nvec):
                    slot = acc[r][k]
                    b.store(b.add(b.load(slot), self.quad_dot(xs[k], q)), slot)
        for k in range(nvec):
            rel = b.add(k0, self.const(k))
            vec = b.add(v["v0"], rel)
            col = b.add(v["col"], b.mul(rel, self.const(8)))
            tc = b.gep(self.tokens, [b.mul(vec, self.const(8 * len(TOKEN_FIELDS)))])
            av, cv = (b.load(self.at(tc, self.const(8 * f)), align=4) for f in range(len(TOKEN_FIELDS)))
            bc = b.gep(self.blocks, [b.mul(vec, self.const(8 * len(BLOCK_FIELDS)))])
            bv, tv, knv = (b.load(self.at(bc, self.const(8 * f)), align=4) for f in range(len(BLOCK_FIELDS)))
            col_min = None
            for r in range(self.nrows):
                pp = self.at(self.prow[r], col)
                old = b.select(v["first"], ir.Constant(_F32x8, None), b.load(pp, align=4))
                pv = b.call(self.fma, [_splat(b, rc[r]["sigma"]), b.sitofp(b.load(acc[r][k]), _F32x8), old])
                b.store(pv, pp, align=4)
                t = b.call(self.fma, [_splat(b, rc[r]["phi"]), knv, cv])
                t = b.call(self.fma, [av, pv, b.call(self.fma, [_splat(b, rc[r]["rho"]), tv, t])])
                y = b.call(self.fma, [_splat(b, rc[r]["neg_gamma"]), t, bv])  # key − α; may be < 0: still a bound
                b.store(y, self.at(self.krow[r], col), align=4)
                if with_cols:
                    key = b.fadd(_splat(b, rc[r]["alpha"]), y)
                    col_min = key if col_min is None else _vmin(b, col_min, key)
            if with_cols:
                dp = self.at(self.best_d, col)
                b.store(self.vmin_stored(b.load(dp, align=4), col_min), dp, align=4)

    def emit(self):
        b, v = self.builder, self.v
        rows = [b.add(v["i0"], self.const(r)) for r in range(self.nrows)]
        # every address the loops need, computed once
        self.codes0 = self.ptr("codes", [self.const(0)])
        self.qrow = [self.ptr("qc", [rows[r], v["h0"]]) for r in range(self.nrows)]
        self.prow = [self.ptr("P", [rows[r], self.const(0)]) for r in range(self.nrows)]
        self.krow = [self.ptr("keys", [self.const(r), self.const(0)]) for r in range(self.nrows)]
        self.tokens = self.ptr("tok_consts", [self.const(0), self.const(0), self.const(0)])
        self.blocks = self.ptr("block_consts", [v["b"], self.const(0), self.const(0), self.const(0)])
        self.best_d = self.ptr("best_d", [self.const(0)])
        self.rc = []
        for r in range(self.nrows):
            base = self.ptr("row_consts", [v["b"], rows[r], self.const(0)])
            vals = {name: b.load(b.gep(base, [self.const(f)])) for f, name in enumerate(ROW_FIELDS)}
            vals["qoff"] = b.bitcast(vals["qoff"], _I32)
            self.rc.append(vals)
        nv = v["nvec"]
        with b.if_else(v["with_cols"]) as (then, otherwise):
            for branch, flag in ((then, True), (otherwise, False)):
                with branch:
                    with cgutils.for_range(b, b.sdiv(nv, self.const(2))) as loop:
                        self.columns(b.mul(loop.index, self.const(2)), 2, flag)
                    with b.if_then(b.icmp_signed("!=", b.srem(nv, self.const(2)), self.const(0))):
                        self.columns(b.sub(nv, self.const(1)), 1, flag)


def _vmin(b, x, y):
    """``min(x, y)`` as compare-and-select: one ``vminps`` (keys are never NaN, so no NaN handling)."""
    return b.select(b.fcmp_ordered("<", x, y), x, y)


def _hmin(b, x):
    """Smallest of eight lanes, by halving."""
    for width in (4, 2, 1):
        x = _vmin(b, x, b.shuffle_vector(x, x, ir.Constant(_I32x8, [(i + width) % 8 for i in range(8)])))
    return b.extract_element(x, ir.Constant(_I32, 0))


@intrinsic
def stream_rows(typingctx, nrows, codes, base, nvec, h0, h1, qc, i0, P, col, tok_consts, block_consts, b, v0,
                row_consts, keys, best_d, with_cols, first):
    """The kernel of the module docstring for ``min(nrows, ROWS)`` query rows from ``i0``: four, or the 1–3 left
    at the end of a query, so that no padding rows are computed. One body per row count, chosen at run time."""
    args_ty = (codes, base, nvec, h0, h1, qc, i0, P, col, tok_consts, block_consts, b, v0, row_consts, keys, best_d,
               with_cols, first)
    sig = types.void(nrows, *args_ty)

    def codegen(context, builder, signature, args):
        inner = types.void(*signature.args[1:])
        count, rest = args[0], args[1:]
        merge = builder.append_basic_block("rows.merge")
        cases = [builder.append_basic_block(f"rows.{r}") for r in range(1, ROWS + 1)]
        switch = builder.switch(count, cases[-1])  # ROWS or more: the full group
        for r, block in zip(range(1, ROWS + 1), cases):
            if r < ROWS:
                switch.add_case(ir.Constant(count.type, r), block)
            builder.position_at_end(block)
            _Emitter(context, builder, inner, rest, r).emit()
            builder.branch(merge)
        builder.position_at_end(merge)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def doc_rows(typingctx, keys, t0, t1, nrows, alpha, b, i0, p, m_row, j, first, take_sqrt):
    """One document's row terms for the rows ``i0 … i0 + nrows − 1`` just keyed by :func:`stream_rows` (``alpha``:
    the rows' α per block in float64, ``alpha[b, i] = row_consts[b, i, 3]``):
    ``m = min(keys[r, t0:t1])`` (see the module docstring), then ``m_row[j, i] ← max(m_row[j, i], α_i + m)`` (its
    square root if ``take_sqrt``; the larger of two bounds is a bound; the old value is 0 if ``first``); returns
    ``Σ_i p_i`` times the rise. The four rows go together: one combined horizontal minimum, float64 vector
    arithmetic after it. Rows past ``nrows`` (padding rows: ``p = 0``, ``α = BIG``) add nothing; ``t1 > t0``."""
    sig = types.float64(keys, t0, t1, nrows, alpha, b, i0, p, m_row, j, first, take_sqrt)

    def codegen(context, builder, signature, args):
        bld = builder
        kty, _, _, _, aty, _, _, pty, mty = signature.args[:9]
        keys_v, t0v, t1v, nr, a_v, bv, i0v, p_v, m_v, jv, first, take_sqrt = args
        keys_arr = context.make_array(kty)(context, bld, keys_v)
        intp = t0v.type
        n = bld.sub(t1v, t0v)
        eight = ir.Constant(intp, 8)
        big = _splat(bld, ir.Constant(_F32, BIG))
        rows = [cgutils.get_item_pointer(context, bld, kty, keys_arr, [ir.Constant(intp, r), t0v]) for r in range(ROWS)]

        def load(r, offset):
            return bld.load(bld.bitcast(bld.gep(rows[r], [offset]), _F32x8.as_pointer()), align=4)

        # the first vector with the lanes past t1 masked (documents of fewer than eight tokens), then whole vectors,
        # the last one ending at t1 and overlapping the previous: no branch on the length
        first_n = bld.trunc(bld.select(bld.icmp_signed("<", n, eight), n, eight), _I32)
        mask = bld.icmp_signed("<", ir.Constant(_I32x8, list(range(8))), _splat(bld, first_n, _I32x8))
        acc = [cgutils.alloca_once_value(bld, bld.select(mask, load(r, ir.Constant(intp, 0)), big))
               for r in range(ROWS)]
        with cgutils.for_range(bld, bld.sdiv(bld.sub(n, ir.Constant(intp, 1)), eight)) as more:
            off = bld.mul(bld.add(more.index, ir.Constant(intp, 1)), eight)
            last = bld.sub(n, eight)
            off = bld.select(bld.icmp_signed("<", off, last), off, last)
            for r in range(ROWS):
                bld.store(_vmin(bld, bld.load(acc[r]), load(r, off)), acc[r])
        x = [bld.load(a) for a in acc]
        shuf = lambda u, w, idx: bld.shuffle_vector(u, w, ir.Constant(ir.VectorType(_I32, len(idx)), idx))
        # four horizontal minima at once: halves, quarters, pairs
        a01 = _vmin(bld, shuf(x[0], x[1], [0, 1, 2, 3, 8, 9, 10, 11]), shuf(x[0], x[1], [4, 5, 6, 7, 12, 13, 14, 15]))
        a23 = _vmin(bld, shuf(x[2], x[3], [0, 1, 2, 3, 8, 9, 10, 11]), shuf(x[2], x[3], [4, 5, 6, 7, 12, 13, 14, 15]))
        c = _vmin(bld, shuf(a01, a23, [0, 1, 4, 5, 8, 9, 12, 13]), shuf(a01, a23, [2, 3, 6, 7, 10, 11, 14, 15]))
        m4 = _vmin(bld, shuf(c, c, [0, 2, 4, 6]), shuf(c, c, [1, 3, 5, 7]))  # <4 x float>: the rows' minima
        f64x4 = ir.VectorType(ir.DoubleType(), 4)
        i32x4 = ir.VectorType(_I32, 4)
        live = bld.icmp_signed("<", ir.Constant(i32x4, list(range(4))),
                               bld.shuffle_vector(bld.insert_element(ir.Constant(i32x4, ir.Undefined), bld.trunc(nr, _I32),
                                                                     ir.Constant(_I32, 0)),
                                                  ir.Constant(i32x4, ir.Undefined), ir.Constant(i32x4, [0] * 4)))
        m4 = bld.select(live, m4, ir.Constant(ir.VectorType(_F32, 4), [0.0] * 4))
        a_arr = context.make_array(aty)(context, bld, a_v)
        alpha = bld.load(bld.bitcast(cgutils.get_item_pointer(context, bld, aty, a_arr, [bv, i0v]), f64x4.as_pointer()),
                         align=8)
        key = bld.fadd(alpha, bld.fpext(m4, f64x4))  # α + min (key − α): no rounding in float64
        sqrt = cgutils.get_or_insert_function(bld.module, ir.FunctionType(f64x4, [f64x4]), "llvm.sqrt.v4f64")
        zero = ir.Constant(f64x4, [0.0] * 4)
        rooted = bld.call(sqrt, [bld.select(bld.fcmp_ordered(">", key, zero), key, zero)])
        key = bld.select(take_sqrt, rooted, key)
        m_arr = context.make_array(mty)(context, bld, m_v)
        mp = bld.bitcast(cgutils.get_item_pointer(context, bld, mty, m_arr, [jv, i0v]), f64x4.as_pointer())
        old = bld.select(first, zero, bld.load(mp, align=8))
        new = bld.select(bld.fcmp_ordered(">", key, old), key, old)
        bld.store(new, mp, align=8)
        p_arr = context.make_array(pty)(context, bld, p_v)
        pv = bld.load(bld.bitcast(cgutils.get_item_pointer(context, bld, pty, p_arr, [i0v]), f64x4.as_pointer()),
                      align=8)
        rise = bld.fmul(pv, bld.fsub(new, old))
        delta = bld.extract_element(rise, ir.Constant(_I32, 0))
        for r in range(1, ROWS):
            delta = bld.fadd(delta, bld.extract_element(rise, ir.Constant(_I32, r)))
        return delta

    return sig, codegen
