"""Exact network simplex for dense transport problems, compiled with numba.

Problem (a transportation problem, a special min-cost flow)::

    min_{γ ≥ 0} Σ_ij γ_ij C_ij   s.t.  Σ_j γ_ij = a_i,  Σ_i γ_ij = b_j,   Σ a = Σ b

Method (primal network simplex, Ahuja–Magnanti–Orlin ch. 11; Bonneel et al. 2011 for the
block-search pricing):

* Graph: one node per row ``i`` (supply ``a_i``), one per column ``j`` (demand ``b_j``), arcs
  ``i → j`` with cost ``C_ij`` and no upper bound, plus a root node joined to every node by an
  artificial arc ``v → root`` of cost 0.
* Start: a greedy *row-minimum* solution (each row in turn sends its supply to its cheapest open
  columns; rows with the largest regret — second-cheapest minus cheapest cost — go first, as in
  Vogel's method). Every allocation closes a row or a column, so its positive cells form a forest; each tree
  of the forest hangs from the root by one artificial arc with zero flow. Zero-flow arcs that point
  to the root make the start *strongly feasible*.
* Potentials ``π`` make every tree arc tight: ``π_j = π_i + C_ij``; the reduced cost of ``i → j`` is
  ``d_ij = C_ij + π_i − π_j``. Optimal when ``d_ij ≥ −ε`` for all arcs (complementary slackness).
* Pricing: *block search* — scan arcs cyclically, a row at a time, in blocks of about ``3(m + n)`` arcs
  (a pivot costs O(m + n), so scanning that much more per pivot pays for itself in fewer pivots; tuned on
  sentence-sized problems) and enter the most negative ``d_ij`` of the first block that has one.
* Ratio test on the cycle the entering arc closes; among the blocking arcs the one met *last* when
  walking the cycle from its apex in the entering arc's direction leaves. This keeps the tree strongly
  feasible, which rules out cycling on degenerate problems (ties, repeated points).
* The subtree cut off by the leaving arc is re-hung from the entering arc and its parents, depths and
  potentials are recomputed by a depth-first walk of that subtree only.

Every cycle through the root crosses an artificial arc backwards with zero flow, so artificial arcs
never carry flow and their cost never matters; they are never priced.

Rows and columns with zero mass are dropped before solving (:func:`network_simplex` and the batch
kernels do this); the core :func:`_solve` expects strictly positive masses.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kexue._validation import as_float_array, check_positive_int
from kexue.ot.masses import check_masses

#: status codes returned by the solver
OPTIMAL = 0
MAX_ITER_REACHED = 1
#: default iteration cap (pivots); sentence-sized problems need a few hundred
MAX_ITER = 1_000_000
#: entering threshold relative to max |C|: optimality holds up to ε·Σa, far below 1e-9
PRICE_RTOL = 1e-12

STATUS_NAMES = {OPTIMAL: "optimal", MAX_ITER_REACHED: "iteration cap reached"}


@njit(cache=True)
def _workspace(max_m, max_n):
    """Scratch arrays for problems of up to ``max_m × max_n`` (reused across problems)."""
    mn = max_m * max_n
    nodes = max_m + max_n + 1
    flow = np.empty(mn, np.float64)
    pi = np.empty(nodes, np.float64)
    rest = np.empty(nodes, np.float64)  # remaining supply/demand during the greedy start
    parent = np.empty(nodes, np.int32)
    depth = np.empty(nodes, np.int32)
    stack = np.empty(nodes, np.int32)
    deg = np.empty(nodes, np.int32)
    adj = np.empty(2 * mn, np.int32)  # tree neighbours: row i owns slots [i·n, i·n+n), column j [mn + j·m, …)
    return flow, pi, rest, parent, depth, stack, deg, adj


@njit(cache=True)
def _adj_add(adj, deg, m, n, u, w):
    base = u * n if u < m else m * n + (u - m) * m
    adj[base + deg[u]] = w
    deg[u] += 1


@njit(cache=True)
def _adj_remove(adj, deg, m, n, u, w):
    base = u * n if u < m else m * n + (u - m) * m
    last = deg[u] - 1
    for t in range(base, base + last + 1):
        if adj[t] == w:
            adj[t] = adj[base + last]
            deg[u] = last
            return


@njit(cache=True)
def _hang(s, t, C, m, n, pi, parent, depth, stack, deg, adj, root):
    """Make ``t`` the parent of ``s`` and recompute parent/depth/π over the subtree below ``s``."""
    parent[s] = t
    top = 0
    stack[0] = s
    while top >= 0:
        v = stack[top]
        top -= 1
        p = parent[v]
        if p == root:
            depth[v] = 1
            pi[v] = 0.0
        else:
            depth[v] = depth[p] + 1
            if v < m:  # row below a column: C_vp = π_p − π_v
                pi[v] = pi[p] - C[v * n + (p - m)]
            else:  # column below a row
                pi[v] = pi[p] + C[p * n + (v - m)]
        base = v * n if v < m else m * n + (v - m) * m
        for t2 in range(base, base + deg[v]):
            w = adj[t2]
            if w != p:
                parent[w] = v
                top += 1
                stack[top] = w


@njit(cache=True, fastmath=True)
def _min_difference(row, col_pi):
    """``min_j (row_j − col_pi_j)``; fast-math lets it vectorise (all inputs are finite)."""
    s = np.inf
    for j in range(row.size):
        s = min(s, row[j] - col_pi[j])
    return s


@njit(cache=True)
def _row_min(C, base, pi, m, n):
    """``min_j (C[base + j] − π_col j)``, on slices: indexed directly, LLVM left the loop scalar."""
    return _min_difference(C[base:base + n], pi[m:m + n])


@njit(cache=True, fastmath={"nnan", "nsz"})  # plain min/max instructions; infinities stay meaningful
def _two_smallest(row):
    """The smallest and second-smallest entries of ``row`` (equal when the minimum repeats), branch-free."""
    c1 = np.inf
    c2 = np.inf
    for j in range(row.size):
        c = row[j]
        c2 = min(c2, max(c1, c))
        c1 = min(c1, c)
    return c1, c2


@njit(cache=True)
def _row_argmin(C, base, pi, m, n):
    jbest = 0
    s = np.inf
    for j in range(n):
        d = C[base + j] - pi[m + j]
        if d < s:
            s = d
            jbest = j
    return jbest


@njit(cache=True)
def _solve(a, b, C, m, n, ws, max_iter):
    """Network simplex on strictly positive masses ``a`` (m), ``b`` (n), row-major cost ``C`` (m·n).

    Writes the optimal plan into ``ws[0][:m*n]`` and returns ``(cost, status, pivots)``.
    """
    flow, pi, rest, parent, depth, stack, deg, adj = ws
    mn = m * n
    root = m + n
    cmax = 0.0
    for e in range(mn):
        flow[e] = 0.0
        c = abs(C[e])
        if c > cmax:
            cmax = c
    eps = PRICE_RTOL * cmax
    for v in range(m + n):
        deg[v] = 0
        parent[v] = -1
    for i in range(m):
        rest[i] = a[i]
    for j in range(n):
        rest[m + j] = b[j]

    # greedy row-minimum start, rows with the largest regret (second-cheapest minus cheapest cost) first;
    # every allocation exhausts its row or its column, so the allocated cells form a forest
    for i in range(m):
        c1, c2 = _two_smallest(C[i * n:i * n + n])
        pi[i] = c1 - c2 if n > 1 else 0.0  # pi is free until the tree is built
    # stack and depth are free until the tree is built: rows in order of decreasing regret (stable
    # insertion sort, no allocation) and the open columns, kept compact by swap-remove so that the
    # cheapest-open-column scans skip closed columns without a branch
    order = stack
    open_cols = depth
    for t in range(m):
        r = pi[t]
        s = t
        while s > 0 and pi[order[s - 1]] > r:
            order[s] = order[s - 1]
            s -= 1
        order[s] = t
    for j in range(n):
        open_cols[j] = j
    n_open = n
    for t in range(m):
        i = order[t]
        base = i * n
        while rest[i] > 0.0 and n_open > 0:
            sbest = 0
            cbest = C[base + open_cols[0]]
            for s in range(1, n_open):
                c = C[base + open_cols[s]]
                if c < cbest:
                    cbest = c
                    sbest = s
            best = open_cols[sbest]
            x = min(rest[i], rest[m + best])
            flow[base + best] = x
            rest[i] -= x
            rest[m + best] -= x
            if rest[m + best] == 0.0:
                n_open -= 1
                open_cols[sbest] = open_cols[n_open]
            _adj_add(adj, deg, m, n, i, m + best)
            _adj_add(adj, deg, m, n, m + best, i)
        # rounding can leave a last supply of ~1 ulp with no column open: it is dropped
    for v in range(m + n):
        if parent[v] < 0:
            _hang(v, root, C, m, n, pi, parent, depth, stack, deg, adj, root)

    block = 3 * (m + n)  # pricing is cheap next to a pivot (O(m + n)): fewer pivots pay for longer scans
    next_row = 0
    pivots = 0
    status = OPTIMAL
    while True:
        # block search pricing, a whole row at a time (the row minimum vectorises)
        i = next_row
        dmin = -eps
        k = -1
        cnt = 0
        for _ in range(m):
            d = _row_min(C, i * n, pi, m, n) + pi[i]
            if d < dmin:
                dmin = d
                k = i
            i += 1
            if i == m:
                i = 0
            cnt += n
            if cnt >= block:
                if k >= 0:
                    break
                cnt = 0
        next_row = i
        if k < 0:
            break
        if pivots >= max_iter:
            status = MAX_ITER_REACHED
            break
        pivots += 1
        e_in = k * n + _row_argmin(C, k * n, pi, m, n)
        lnode = m + (e_in - k * n)

        # apex of the cycle closed by k → l
        u = k
        w = lnode
        while u != w:
            if depth[u] > depth[w]:
                u = parent[u]
            elif depth[w] > depth[u]:
                w = parent[w]
            else:
                u = parent[u]
                w = parent[w]
        apex = u

        # ratio test: the cycle runs apex → … → k → l → … → apex; backward arcs block.
        # Ties go to the blocking arc met last on that walk (strongly feasible rule).
        delta = np.inf
        q = -1
        v = k
        while v != apex:  # k side, walked upward: the first blocking arc found (nearest k) wins ties
            p = parent[v]
            if p == root:
                f = 0.0  # artificial v → root, crossed backwards
            elif v < m:
                f = flow[v * n + (p - m)]  # arc v → p crossed backwards
            else:
                f = np.inf
            if f < delta:
                delta = f
                q = v
            v = p
        q_on_l = False
        v = lnode
        while v != apex:  # l side, walked upward: the last one found (nearest apex) wins ties
            p = parent[v]
            if p != root and v >= m:
                f = flow[p * n + (v - m)]  # arc p → v crossed backwards
                if f <= delta:
                    delta = f
                    q = v
                    q_on_l = True
            v = p

        if delta > 0.0:
            v = k
            while v != apex:
                p = parent[v]
                if v < m:
                    flow[v * n + (p - m)] -= delta
                else:
                    flow[p * n + (v - m)] += delta
                v = p
            v = lnode
            while v != apex:
                p = parent[v]
                if v < m:
                    flow[v * n + (p - m)] += delta
                else:
                    flow[p * n + (v - m)] -= delta
                v = p
            flow[e_in] = delta

        # swap arcs in the tree; the subtree below q moves under the entering arc
        pq = parent[q]
        if pq != root:
            if q < m:
                flow[q * n + (pq - m)] = 0.0
            else:
                flow[pq * n + (q - m)] = 0.0
            _adj_remove(adj, deg, m, n, q, pq)
            _adj_remove(adj, deg, m, n, pq, q)
        _adj_add(adj, deg, m, n, k, lnode)
        _adj_add(adj, deg, m, n, lnode, k)
        if q_on_l:
            _hang(lnode, k, C, m, n, pi, parent, depth, stack, deg, adj, root)
        else:
            _hang(k, lnode, C, m, n, pi, parent, depth, stack, deg, adj, root)

    cost = 0.0
    for e in range(mn):
        if flow[e] != 0.0:
            cost += flow[e] * C[e]
    return cost, status, pivots


@njit(cache=True)
def _positive_entries(x, n, index, value):
    """Write the positions and values of ``x[:n]``'s positive entries to ``index``/``value``; return how many."""
    k = 0
    for i in range(n):
        if x[i] > 0.0:
            index[k] = i
            value[k] = x[i]
            k += 1
    return k


@njit(cache=True)
def _compact_and_solve(a, b, C, m, n, ws, ca, cb, cC, rows, cols, max_iter):
    """Drop zero-mass rows/columns of one problem (``C`` row-major m·n), then solve.

    Returns ``(cost, status, pivots, m', n')``; the compact plan is in ``ws[0]`` and
    ``rows[:m']``/``cols[:n']`` map it back.
    """
    mm = _positive_entries(a, m, rows, ca)
    nn = _positive_entries(b, n, cols, cb)
    for r in range(mm):
        src = rows[r] * n
        for c in range(nn):
            cC[r * nn + c] = C[src + cols[c]]
    cost, status, pivots = _solve(ca, cb, cC, mm, nn, ws, max_iter)
    return cost, status, pivots, mm, nn


@njit(cache=True)
def _scatter_plan(flow, rows, cols, mm, nn, n, plan):
    """Write a compact plan back into a full row-major plan of width ``n`` (already zeroed)."""
    for r in range(mm):
        for c in range(nn):
            plan[rows[r] * n + cols[c]] = flow[r * nn + c]


def network_simplex(a, b, cost, *, max_iter: int = MAX_ITER):
    """Solve one dense transport problem exactly with the numba network simplex.

    Parameters
    ----------
    a, b : array_like, shapes (m,), (n,)
        Non-negative masses with equal totals (to 1e-9 relative; ``b`` is rescaled to ``a``'s total).
        Zero masses are allowed: their rows/columns are dropped.
    cost : array_like, shape (m, n)
        Finite unit costs ``C_ij``.
    max_iter : int
        Pivot cap; on reaching it the status is ``MAX_ITER_REACHED`` and the plan is feasible but
        possibly not optimal.

    Returns
    -------
    value : float
        ``Σ γ_ij C_ij`` of the plan found.
    plan : ndarray, shape (m, n)
        The transport plan ``γ`` (a vertex: at most ``m + n − 1`` positive entries).
    status : int
        ``OPTIMAL`` (0) or ``MAX_ITER_REACHED`` (1).
    pivots : int
        Number of simplex pivots taken.

    Examples
    --------
    >>> from kexue.ot.network_simplex import network_simplex
    >>> value, plan, status, _ = network_simplex([0.5, 0.5], [1.0], [[0.0], [2.0]])
    >>> value, status
    (1.0, 0)
    """
    a, b = check_masses(a, b)
    C = np.ascontiguousarray(as_float_array(cost, "cost", ndim=2))
    if C.shape != (a.shape[0], b.shape[0]):
        raise ValueError(f"cost has shape {C.shape}, expected (len(a), len(b)) = ({a.shape[0]}, {b.shape[0]})")
    max_iter = check_positive_int(max_iter, "max_iter")
    from kexue.ot.batch import _emd_kernel  # the batch kernel on one problem (imports this module)

    plan = np.zeros(C.size)
    off = np.array([0, a.shape[0]]), np.array([0, b.shape[0]]), np.array([0, C.size])
    values, status, pivots = _emd_kernel(a, off[0], b, off[1], C.ravel(), off[2], max_iter, plan, 1)
    return float(values[0]), plan.reshape(C.shape), int(status[0]), int(pivots[0])
