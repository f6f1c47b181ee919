"""An independent reference: the transport problem as a linear program solved by SciPy's HiGHS."""

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog


def lp_emd(a, b, C):
    m, n = C.shape
    rows = sp.kron(sp.eye(m), np.ones((1, n)))
    cols = sp.kron(np.ones((1, m)), sp.eye(n))
    A = sp.vstack([rows, cols]).tocsr()
    res = linprog(C.ravel(), A_eq=A, b_eq=np.concatenate([a, b * a.sum() / b.sum()]), bounds=(0, None),
                  method="highs", options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return res.fun
