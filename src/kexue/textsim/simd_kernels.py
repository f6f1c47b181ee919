"""The relaxed bound's inner kernel, written as LLVM vector code: one dimension block for four query rows.

``block_rows(codes, base, n8, h0, h1, w, i0, P, s0, a, beta, c, tail, b, rho, alpha, gamma, best_d, p, m_row,
take_sqrt)`` takes
one document (``n8`` token slots, a multiple of 8; its int8 codes *transposed*, dimension-major, at
``codes[base:]``), the four query rows ``i0 … i0+3`` and the rotated dimensions ``h0 ≤ h < h1``, and

1. adds the block to the partial dot products: ``P[i, j] += Σ_h w[i, h] · codes[base + h·n8 + j]``;
2. turns them into cost keys (the bounds of :mod:`kexue.textsim.quantized_bounds`)

       key_ij = max(α[i, b] + β[b, s0 + j] − γ_i (a_j P[i, j] + ρ[i, b] τ[s0 + j] + c_j), 0);

3. lowers ``best_d[j]`` to ``min_i key_ij``, raises ``m_row[i]`` to ``min_j key_ij`` (its square root if
   ``take_sqrt``; the larger of two bounds is a bound) and returns ``Σ_i p_i`` times the rise.

Vectorising over tokens rather than dimensions needs no horizontal sums, so a short block costs no more per
product than a long one: eight float32 accumulators (4 rows × 2 vectors, or 4 rows × 1 vector × 2 interleaved
halves of the block) keep both FMA pipes busy, each int8 vector is widened once for four rows, and the keys
are computed while the sums are in registers. numba vectorises neither loop by itself (it vectorises over the
reduction dimension, and its ``min`` keeps NaN semantics, which blocks vectorised minima), hence explicit
``<8 x float>`` code; it is plain LLVM vector IR, so it compiles for any target LLVM supports. Padding rows
must have ``α = BIG`` (their keys then never win a minimum); ``h1 − h0`` must be even. ``tail`` is ``τ``.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

ROWS = 4  # query rows per call
BIG = 1e30  # "no token": a finite stand-in for +inf in the cost keys, so minima vectorise
_F32 = ir.FloatType()
_F32x8 = ir.VectorType(_F32, 8)
_I32 = ir.IntType(32)


class _Emitter:
    def __init__(self, context, builder, sig, args):
        self.context, self.builder = context, builder
        names = ("codes", "base", "n8", "h0", "h1", "w", "i0", "P", "s0", "a", "beta", "c", "tail", "b", "rho",
                 "alpha", "gamma", "best_d", "p", "m_row", "take_sqrt")
        self.ty = dict(zip(names, sig.args))
        self.v = dict(zip(names, args))
        self.arr = {n: context.make_array(self.ty[n])(context, builder, self.v[n])
                    for n in names if isinstance(self.ty[n], types.Array)}
        self.intp = self.v["base"].type
        mod = builder.module
        f3 = ir.FunctionType(_F32x8, [_F32x8] * 3)
        f2 = ir.FunctionType(_F32x8, [_F32x8] * 2)
        self.fmuladd = cgutils.get_or_insert_function(mod, f3, "llvm.fmuladd.v8f32")
        self.fma = cgutils.get_or_insert_function(mod, f3, "llvm.fma.v8f32")
        self.vmax = cgutils.get_or_insert_function(mod, f2, "llvm.maxnum.v8f32")
        self.vmin = cgutils.get_or_insert_function(mod, f2, "llvm.minnum.v8f32")
        self.hmin = cgutils.get_or_insert_function(mod, ir.FunctionType(_F32, [_F32x8]),
                                                   "llvm.vector.reduce.fmin.v8f32")

    def const(self, x):
        return ir.Constant(self.intp, x)

    def ptr(self, name, idx):
        return cgutils.get_item_pointer(self.context, self.builder, self.ty[name], self.arr[name], idx)

    def vptr(self, name, idx):
        return self.builder.bitcast(self.ptr(name, idx), _F32x8.as_pointer())

    def splat(self, x):
        b = self.builder
        one = b.insert_element(ir.Constant(_F32x8, ir.Undefined), x, ir.Constant(_I32, 0))
        return b.shuffle_vector(one, ir.Constant(_F32x8, ir.Undefined), ir.Constant(ir.VectorType(_I32, 8), [0] * 8))

    def columns(self, v0, nvec, split, rows, row_consts, row_best):
        """Accumulate, key and reduce the token vectors ``v0 … v0 + nvec − 1``."""
        b, v = self.builder, self.v
        acc = [[[cgutils.alloca_once_value(b, ir.Constant(_F32x8, None)) for _ in range(split)]
                for _ in range(nvec)] for _ in range(ROWS)]
        codes0 = self.ptr("codes", [self.const(0)])
        count = b.sdiv(b.sub(v["h1"], v["h0"]), self.const(split))
        with cgutils.for_range(b, count) as loop:
            for s in range(split):
                h = b.add(v["h0"], b.add(b.mul(loop.index, self.const(split)), self.const(s)))
                row_start = b.add(v["base"], b.mul(h, v["n8"]))
                xs = []
                for k in range(nvec):
                    off = b.add(row_start, b.mul(b.add(v0, self.const(k)), self.const(8)))
                    raw = b.load(b.bitcast(b.gep(codes0, [off]), ir.VectorType(ir.IntType(8), 8).as_pointer()), align=1)
                    xs.append(b.sitofp(b.sext(raw, ir.VectorType(_I32, 8)), _F32x8))
                for g in range(ROWS):
                    q = self.splat(b.load(self.ptr("w", [rows[g], h])))
                    for k in range(nvec):
                        slot = acc[g][k][s]
                        b.store(b.call(self.fmuladd, [xs[k], q, b.load(slot)]), slot)
        for k in range(nvec):
            col = b.mul(b.add(v0, self.const(k)), self.const(8))
            g_slot = b.add(v["s0"], col)
            av = b.load(self.vptr("a", [g_slot]), align=4)
            bv = b.load(self.vptr("beta", [v["b"], g_slot]), align=4)
            cv = b.load(self.vptr("c", [g_slot]), align=4)
            tv = b.load(self.vptr("tail", [g_slot]), align=4)
            col_min = None
            for g in range(ROWS):
                total = b.load(acc[g][k][0])
                for s in range(1, split):
                    total = b.fadd(total, b.load(acc[g][k][s]))
                pp = self.vptr("P", [rows[g], col])
                pv = b.fadd(b.load(pp, align=4), total)
                b.store(pv, pp, align=4)
                rho, alpha, gamma = row_consts[g]
                t = b.call(self.fma, [av, pv, b.call(self.fma, [rho, tv, cv])])
                key = b.call(self.vmax, [b.fsub(b.fadd(alpha, bv), b.fmul(gamma, t)), ir.Constant(_F32x8, None)])
                b.store(b.call(self.vmin, [b.load(row_best[g]), key]), row_best[g])
                col_min = key if col_min is None else b.call(self.vmin, [col_min, key])
            dp = self.vptr("best_d", [col])
            b.store(b.call(self.vmin, [b.load(dp, align=4), col_min]), dp, align=4)

    def emit(self):
        b, v = self.builder, self.v
        rows = [b.add(v["i0"], self.const(g)) for g in range(ROWS)]
        row_consts = [(self.splat(b.load(self.ptr("rho", [rows[g], v["b"]]))),
                       self.splat(b.load(self.ptr("alpha", [rows[g], v["b"]]))),
                       self.splat(b.load(self.ptr("gamma", [rows[g]])))) for g in range(ROWS)]
        big = self.splat(ir.Constant(_F32, BIG))
        row_best = [cgutils.alloca_once_value(b, big) for _ in range(ROWS)]
        nv = b.sdiv(v["n8"], self.const(8))
        with cgutils.for_range(b, b.sdiv(nv, self.const(2))) as loop:
            self.columns(b.mul(loop.index, self.const(2)), 2, 1, rows, row_consts, row_best)
        with b.if_then(b.icmp_signed("!=", b.srem(nv, self.const(2)), self.const(0))):
            self.columns(b.sub(nv, self.const(1)), 1, 2, rows, row_consts, row_best)
        # row terms: m_i ← max(m_i, key_min (or its square root)), both bounds; return Σ p_i (new − old)
        f64 = ir.DoubleType()
        sqrt = cgutils.get_or_insert_function(b.module, ir.FunctionType(f64, [f64]), "llvm.sqrt.f64")
        delta = ir.Constant(f64, 0.0)
        for g in range(ROWS):
            key = b.fpext(b.call(self.hmin, [b.load(row_best[g])]), f64)
            key = b.select(v["take_sqrt"], b.call(sqrt, [key]), key)
            mp = self.ptr("m_row", [rows[g]])
            old = b.load(mp)
            new = b.select(b.fcmp_ordered(">", key, old), key, old)
            b.store(new, mp)
            delta = b.fadd(delta, b.fmul(b.load(self.ptr("p", [rows[g]])), b.fsub(new, old)))
        return delta


@intrinsic
def block_rows(typingctx, codes, base, n8, h0, h1, w, i0, P, s0, a, beta, c, tail, b, rho, alpha, gamma, best_d,
               p, m_row, take_sqrt):
    """See the module docstring."""
    sig = types.float64(codes, base, n8, h0, h1, w, i0, P, s0, a, beta, c, tail, b, rho, alpha, gamma, best_d, p,
                        m_row, take_sqrt)

    def codegen(context, builder, signature, args):
        return _Emitter(context, builder, signature, args).emit()

    return sig, codegen
