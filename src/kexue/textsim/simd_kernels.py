"""The relaxed bound's inner kernel, written as LLVM vector code: one dimension block for four query rows.

``block_rows(nrows, codes, base, n8, h0, h1, qc, i0, P, s0, slot_consts, block_consts, b, row_consts, best_d, with_cols,
p, m_row, take_sqrt, first)`` takes one document (``n8`` token slots from slot ``s0``, a multiple of 8; its block of codes
at ``codes[base:]`` as unsigned bytes ``k + 128``, in groups of four dimensions: group ``g`` holds, for token
``j``, the four bytes ``codes[base + 4·n8·g + 4j : … + 4]``), the four query rows ``i0 … i0+3`` (int8 codes
``qc`` with ``|q̂| ≤ 64``) and the rotated dimensions ``h0 ≤ h < h1`` of block ``b``, and

1. adds the block to the partial dot products, in exact integer arithmetic:
   ``P[i, j] += σ_i · (Σ_h q̂[i, h] · (k_jh + 128) − qoff_i)`` with ``qoff_i = 128 Σ_h q̂[i, h]``;
2. turns them into cost keys (the bounds of :mod:`kexue.textsim.quantized_bounds`)

       key_ij = α_i + β_j − γ_i (a_j P[i, j] + ρ_i τ_j + φ_i kn_j + c_j);

3. lowers ``best_d[j]`` to ``min_i key_ij`` (if ``with_cols``), raises ``m_row[i]`` to ``min_j key_ij`` (its
   square root if ``take_sqrt``; the larger of two bounds is a bound) and returns ``Σ_i p_i`` times the rise.

With ``first`` (block 0) the previous ``P`` and ``m_row`` are taken as 0 without being read, so a document
needs no clearing.

Per 8-slot group ``s``, ``slot_consts[s]`` holds the rows ``a, c`` and ``block_consts[b, s]`` the rows
``β, τ, kn`` of block ``b`` (8 lanes each); per block and query row, ``row_consts[b, i]`` holds ``σ, φ, ρ, α, −γ``
and ``qoff`` (its int32 bits). Packing them keeps the
number of live pointers small: with one array per quantity the call spent as long on reloading spilled
addresses as on the products.

Step 1 is ``vpmaddubsw`` + ``vpmaddwd`` on AVX2: 32 byte products per two instructions, about twice the rate
of widening the codes to float32 for FMAs. The ranges make it exact: a pair of products is at most
``2·255·64 = 32640`` (no 16-bit saturation) and a block sum fits easily in 32 bits. Vectorising over tokens
rather than dimensions needs no horizontal sums, and the keys are computed while the sums are in registers.
numba vectorises neither loop by itself, hence explicit vector IR; where AVX2 is missing the same integer
arithmetic is written as plain LLVM vector IR (exact, slower). Padding rows must have ``α = BIG`` and
``γ = 0`` (their keys then never win a minimum); ``h1 − h0`` must be a multiple of 4.
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
OFFSET = 128  # corpus codes are stored as k + OFFSET (unsigned bytes)
SLOT_FIELDS = ("a", "c")  # rows of slot_consts
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
    NAMES = ("codes", "base", "n8", "h0", "h1", "qc", "i0", "P", "s0", "slot_consts", "block_consts", "b", "row_consts",
             "best_d", "with_cols", "p", "m_row", "take_sqrt", "first")

    def __init__(self, context, builder, sig, args, nrows):
        self.context, self.builder, self.nrows = context, builder, nrows
        self.ty = dict(zip(self.NAMES, sig.args))
        self.v = dict(zip(self.NAMES, args))
        self.arr = {n: context.make_array(self.ty[n])(context, builder, self.v[n])
                    for n in self.NAMES if isinstance(self.ty[n], types.Array)}
        self.intp = self.v["base"].type
        mod = builder.module
        self.fma = cgutils.get_or_insert_function(mod, ir.FunctionType(_F32x8, [_F32x8] * 3), "llvm.fma.v8f32")
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

    def vmin(self, x, y):
        """``min(x, y)`` as compare-and-select: one ``vminps`` (keys are never NaN, so no NaN handling)."""
        return self.builder.select(self.builder.fcmp_ordered("<", x, y), x, y)

    def vmin_stored(self, x, y):
        """``min(x, y)`` for a value stored back over ``x``: compare-and-select there becomes a masked store
        (``vmaskmovps``, microcoded and slow on AMD), so on AVX2 use ``vminps`` itself."""
        if _AVX2:
            return self.builder.call(self.minps, [x, y])
        return self.vmin(x, y)

    def hmin(self, x):
        """Smallest of eight lanes, by halving."""
        b = self.builder
        for width in (4, 2, 1):
            x = self.vmin(x, b.shuffle_vector(x, x, ir.Constant(_I32x8, [(i + width) % 8 for i in range(8)])))
        return b.extract_element(x, ir.Constant(_I32, 0))

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

    def columns(self, v0, nvec, row_best, with_cols):
        """Accumulate, key and reduce the token vectors ``v0 … v0 + nvec − 1``."""
        b, v = self.builder, self.v
        rc = self.rc
        # the sums start at −qoff: the codes' offset of 128 is taken off before the first product
        acc = [[cgutils.alloca_once_value(b, b.neg(_splat(b, rc[r]["qoff"], _I32x8))) for _ in range(nvec)]
               for r in range(self.nrows)]
        stride = b.mul(v["n8"], self.const(4))  # bytes per group of four dimensions
        doc = b.gep(self.codes0, [b.add(v["base"], b.mul(v0, self.const(32)))])
        with cgutils.for_range(b, b.sdiv(b.sub(v["h1"], v["h0"]), self.const(4))) as loop:
            g = loop.index
            start = b.mul(g, stride)
            xs = [b.load(self.at(doc, b.add(start, self.const(32 * k)), _I8x32), align=1) for k in range(nvec)]
            for r in range(self.nrows):
                q4 = b.load(self.at(self.qrow[r], b.mul(g, self.const(4)), _I32), align=1)
                q = b.bitcast(_splat(b, q4, _I32x8), _I8x32)
                for k in range(nvec):
                    slot = acc[r][k]
                    b.store(b.add(b.load(slot), self.quad_dot(xs[k], q)), slot)
        for k in range(nvec):
            vec = b.add(v0, self.const(k))
            col = b.mul(vec, self.const(8))
            sc = b.gep(self.slots, [b.mul(vec, self.const(8 * len(SLOT_FIELDS)))])
            av, cv = (b.load(self.at(sc, self.const(8 * f)), align=4) for f in range(len(SLOT_FIELDS)))
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
                b.store(self.vmin(b.load(row_best[r]), y), row_best[r])
                if with_cols:
                    key = b.fadd(_splat(b, rc[r]["alpha"]), y)
                    col_min = key if col_min is None else self.vmin(col_min, key)
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
        self.slots = self.ptr("slot_consts", [b.sdiv(v["s0"], self.const(8)), self.const(0), self.const(0)])
        self.blocks = self.ptr("block_consts", [v["b"], b.sdiv(v["s0"], self.const(8)), self.const(0),
                                                self.const(0)])
        self.best_d = self.ptr("best_d", [self.const(0)])
        self.rc = []
        for r in range(self.nrows):
            base = self.ptr("row_consts", [v["b"], rows[r], self.const(0)])
            vals = {name: b.load(b.gep(base, [self.const(f)])) for f, name in enumerate(ROW_FIELDS)}
            vals["qoff"] = b.bitcast(vals["qoff"], _I32)
            self.rc.append(vals)
        big = _splat(b, ir.Constant(_F32, BIG))
        row_best = [cgutils.alloca_once_value(b, big) for _ in range(self.nrows)]
        nv = b.sdiv(v["n8"], self.const(8))
        with b.if_else(v["with_cols"]) as (then, otherwise):
            for branch, flag in ((then, True), (otherwise, False)):
                with branch:
                    with cgutils.for_range(b, b.sdiv(nv, self.const(2))) as loop:
                        self.columns(b.mul(loop.index, self.const(2)), 2, row_best, flag)
                    with b.if_then(b.icmp_signed("!=", b.srem(nv, self.const(2)), self.const(0))):
                        self.columns(b.sub(nv, self.const(1)), 1, row_best, flag)
        # row terms: m_i ← max(m_i, α_i + min_j (key − α) (or its square root)), both bounds; return
        # Σ p_i (new − old). α + y in float64 adds no rounding.
        f64 = ir.DoubleType()
        sqrt = cgutils.get_or_insert_function(b.module, ir.FunctionType(f64, [f64]), "llvm.sqrt.f64")
        delta = ir.Constant(f64, 0.0)
        for r in range(self.nrows):
            key = b.fadd(b.fpext(self.rc[r]["alpha"], f64), b.fpext(self.hmin(b.load(row_best[r])), f64))
            key = b.select(v["take_sqrt"], b.call(sqrt, [key]), key)
            mp = self.ptr("m_row", [rows[r]])
            old = b.select(v["first"], ir.Constant(f64, 0.0), b.load(mp))
            new = b.select(b.fcmp_ordered(">", key, old), key, old)
            b.store(new, mp)
            delta = b.fadd(delta, b.fmul(b.load(self.ptr("p", [rows[r]])), b.fsub(new, old)))
        return delta


@intrinsic
def block_rows(typingctx, nrows, codes, base, n8, h0, h1, qc, i0, P, s0, slot_consts, block_consts, b, row_consts,
               best_d, with_cols, p, m_row, take_sqrt, first):
    """The kernel of the module docstring for ``min(nrows, ROWS)`` query rows from ``i0``: four, or the 1–3 left
    at the end of a query, so that no padding rows are computed. One body per row count, chosen at run time."""
    args_ty = (codes, base, n8, h0, h1, qc, i0, P, s0, slot_consts, block_consts, b, row_consts, best_d, with_cols,
               p, m_row, take_sqrt, first)
    sig = types.float64(nrows, *args_ty)

    def codegen(context, builder, signature, args):
        inner = types.float64(*signature.args[1:])
        count, rest = args[0], args[1:]
        merge = builder.append_basic_block("rows.merge")
        cases = [builder.append_basic_block(f"rows.{r}") for r in range(1, ROWS + 1)]
        switch = builder.switch(count, cases[-1])  # ROWS or more: the full group
        results = []
        for r, block in zip(range(1, ROWS + 1), cases):
            if r < ROWS:
                switch.add_case(ir.Constant(count.type, r), block)
            builder.position_at_end(block)
            results.append((_Emitter(context, builder, inner, rest, r).emit(), builder.block))
            builder.branch(merge)
        builder.position_at_end(merge)
        phi = builder.phi(ir.DoubleType())
        for value, block in results:
            phi.add_incoming(value, block)
        return phi

    return sig, codegen
