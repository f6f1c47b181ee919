import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from torch.utils._python_dispatch import TorchDispatchMode

from kexue.multilabel import (
    MultilabelCategoricalCrossentropyLoss,
    MultilabelKLLoss,
    SoftMultilabelCategoricalCrossentropyLoss,
    SparseMultilabelCategoricalCrossentropyLoss,
    multilabel_categorical_crossentropy,
    multilabel_categorical_crossentropy_np,
    multilabel_kl,
    multilabel_kl_np,
    predict,
    probabilities,
    soft_multilabel_categorical_crossentropy,
    soft_multilabel_categorical_crossentropy_np,
    sparse_multilabel_categorical_crossentropy,
    sparse_multilabel_categorical_crossentropy_np,
)

torch.set_num_threads(1)
INF = math.inf


def random_problem(seed, batch=6, n=20, p=0.3, scale=3.0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(batch, n, generator=g, dtype=torch.float64) * scale).to(dtype)
    targets = (torch.rand(batch, n, generator=g) < p).to(dtype)
    return logits, targets


def to_indices(targets, pad_index=-1):
    """Padded positive-id lists, in a shuffled order so that the loss must not rely on sorting."""
    rows = [torch.nonzero(t).squeeze(-1).flip(0).tolist() for t in targets]
    width = max(1, max(len(r) for r in rows))
    return torch.tensor([r + [pad_index] * (width - len(r)) for r in rows])


def all_finite(*tensors):
    return all(bool(torch.isfinite(t).all()) for t in tensors)


# --------------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
@pytest.mark.parametrize("seed", range(4))
def test_dense_sparse_soft_and_numpy_agree(seed, dtype, tol):
    logits, targets = random_problem(seed, dtype=dtype)
    dense = multilabel_categorical_crossentropy(logits, targets, reduction="none")
    sparse = sparse_multilabel_categorical_crossentropy(logits, to_indices(targets), reduction="none")
    soft = soft_multilabel_categorical_crossentropy(logits, targets, reduction="none")
    ref = multilabel_categorical_crossentropy_np(logits.double().numpy(), targets.numpy())
    for value in (dense, sparse, soft):
        assert value.dtype == dtype
        np.testing.assert_allclose(value.double().numpy(), ref, rtol=tol, atol=tol)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), batch=st.integers(1, 5),
       p=st.floats(0.0, 1.0), scale=st.floats(0.1, 20.0))
def test_property_forms_agree_with_references(seed, n, batch, p, scale):
    logits, targets = random_problem(seed, batch=batch, n=n, p=p, scale=scale)
    ref = multilabel_categorical_crossentropy_np(logits.numpy(), targets.numpy())
    np.testing.assert_allclose(multilabel_categorical_crossentropy(logits, targets, reduction="none"), ref,
                               rtol=1e-10, atol=1e-10)
    idx = to_indices(targets)
    np.testing.assert_allclose(sparse_multilabel_categorical_crossentropy(logits, idx, reduction="none"),
                               sparse_multilabel_categorical_crossentropy_np(logits.numpy(), idx.numpy()),
                               rtol=1e-9, atol=1e-9)
    probs = torch.rand(targets.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    probs = torch.where(torch.rand(targets.shape, dtype=torch.float64) < 0.3, targets, probs)  # some exact 0/1
    np.testing.assert_allclose(soft_multilabel_categorical_crossentropy(logits, probs, reduction="none"),
                               soft_multilabel_categorical_crossentropy_np(logits.numpy(), probs.numpy()),
                               rtol=1e-10, atol=1e-10)
    assert (multilabel_categorical_crossentropy(logits, targets, reduction="none") >= 0).all()


def test_one_positive_without_threshold_is_softmax_cross_entropy():
    logits, _ = random_problem(1, batch=8, n=11)
    label = torch.arange(8) % 11
    onehot = torch.nn.functional.one_hot(label, 11).double()
    ours = multilabel_categorical_crossentropy(logits, onehot, threshold=None, reduction="none")
    expected = torch.nn.functional.cross_entropy(logits, label, reduction="none")
    torch.testing.assert_close(ours, expected, rtol=1e-12, atol=1e-12)


def test_threshold_shifts_the_logits_and_the_pairwise_form():
    logits, targets = random_problem(2)
    torch.testing.assert_close(multilabel_categorical_crossentropy(logits, targets, threshold=1.5),
                               multilabel_categorical_crossentropy(logits - 1.5, targets))
    # no threshold: log(1 + Σ_{neg,pos} e^{s_i − s_j}) summed pair by pair
    s, y = logits[0], targets[0].bool()
    pairs = (s[~y][:, None] - s[y][None, :]).flatten()
    expected = torch.log1p(torch.exp(pairs).sum())
    torch.testing.assert_close(multilabel_categorical_crossentropy(s, y, threshold=None), expected)


@pytest.mark.parametrize("n_pos,n_neg", [(2, 8), (0, 5), (7, 0), (1, 1000)])
def test_zero_logits(n_pos, n_neg):
    targets = torch.cat([torch.ones(n_pos), torch.zeros(n_neg)])[None]
    loss = multilabel_categorical_crossentropy(torch.zeros_like(targets), targets)
    assert loss.item() == pytest.approx(math.log(1 + n_neg) + math.log(1 + n_pos), abs=1e-6)
    if (n_pos, n_neg) == (2, 8):  # the reference file's example: log 9 + log 3, BCE would be 10 log 2
        assert loss.item() == pytest.approx(3.295837, abs=1e-6)


def test_gradient_mass_on_negatives_is_below_one():
    targets = torch.zeros(1, 1001)
    targets[0, 0] = 1
    logits = torch.zeros(1, 1001, dtype=torch.float64, requires_grad=True)
    multilabel_categorical_crossentropy(logits, targets).backward()
    assert logits.grad[0, 1:].sum().item() == pytest.approx(1000 / 1001, rel=1e-12)
    bce_logits = torch.zeros(1, 1001, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy_with_logits(bce_logits, targets.double(), reduction="sum").backward()
    assert bce_logits.grad[0, 1:].sum().item() == pytest.approx(500.0)


# --------------------------------------------------------------------------------- soft labels


@pytest.mark.parametrize("seed", range(3))
def test_soft_minimiser_is_sigmoid_2s_and_minimum_closed_form(seed):
    t = np.random.default_rng(seed).uniform(0.02, 0.98, size=8)
    probs = torch.tensor(t)

    def fun(x):
        s = torch.tensor(x, requires_grad=True)
        loss = soft_multilabel_categorical_crossentropy(s, probs)
        loss.backward()
        return loss.item(), s.grad.numpy().copy()

    res = minimize(fun, np.zeros(8), jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 1000})
    recovered = probabilities(torch.tensor(res.x)).numpy()
    assert np.max(np.abs(recovered - t)) < 1e-6
    assert res.fun == pytest.approx(2 * math.log1p(np.sum(np.sqrt(t * (1 - t)))), abs=1e-10)


def test_soft_exact_zero_and_one_keep_inf_masks():
    logits = torch.tensor([[-INF, 2.0, -1.0, -INF]], requires_grad=True)
    probs = torch.tensor([[0.0, 1.0, 0.0, 1.0]])
    loss = soft_multilabel_categorical_crossentropy(logits, probs)
    loss.backward()
    expected = math.log1p(math.exp(-1.0)) + math.log1p(math.exp(-2.0))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert all_finite(logits.grad) and logits.grad[0, 0] == 0 and logits.grad[0, 3] == 0


def test_soft_gradient_flows_into_probs():
    logits, _ = random_problem(3, batch=2, n=5)
    probs = torch.rand(2, 5, dtype=torch.float64).clamp(0.05, 0.95).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda p: soft_multilabel_categorical_crossentropy(logits, p), (probs,))


# --------------------------------------------------------------------------------- stability


def masked_problem():
    logits = torch.tensor([[3.0, -INF, -1.0, -INF, 0.5], [-INF, -INF, -INF, -INF, -INF]])
    targets = torch.tensor([[1.0, 1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 1.0]])
    return logits, targets


def test_masked_logits_drop_out_of_both_terms():
    logits, targets = masked_problem()
    expected = torch.tensor([math.log1p(math.exp(-1) + math.exp(0.5)) + math.log1p(math.exp(-3)), 0.0])
    for fn, tgt in [(multilabel_categorical_crossentropy, targets),
                    (soft_multilabel_categorical_crossentropy, targets),
                    (sparse_multilabel_categorical_crossentropy, to_indices(targets))]:
        x = logits.clone().requires_grad_(True)
        loss = fn(x, tgt, reduction="none")
        torch.testing.assert_close(loss, expected)
        loss.sum().backward()
        assert all_finite(x.grad)
        assert (x.grad[torch.isneginf(logits)] == 0).all()


@pytest.mark.parametrize("value", [1e4, -1e4])
def test_huge_logits_are_finite(value):
    logits = torch.tensor([[value, -value, value, 0.5, -value]])
    targets = torch.tensor([[1.0, 0.0, 0.0, 1.0, 1.0]])
    for fn, tgt in [(multilabel_categorical_crossentropy, targets),
                    (soft_multilabel_categorical_crossentropy, targets),
                    (sparse_multilabel_categorical_crossentropy, to_indices(targets))]:
        x = logits.clone().requires_grad_(True)
        loss = fn(x, tgt)
        loss.backward()
        assert all_finite(loss, x.grad)
        ref = multilabel_categorical_crossentropy_np(logits.numpy(), targets.numpy())
        assert loss.item() == pytest.approx(float(ref[0]), rel=1e-6)


@pytest.mark.parametrize("autocast_dtype", [torch.bfloat16, torch.float16])
def test_autocast_low_precision_is_finite_and_float32(autocast_dtype):
    lin = torch.nn.Linear(4, 6)
    with torch.no_grad():
        lin.weight.mul_(300.0)  # logits far beyond what e^x survives in float16
    x = torch.randn(3, 4)
    targets = torch.tensor([[1, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]])
    mask = torch.zeros(3, 6, dtype=torch.bool)
    mask[0, 0] = mask[1, 3] = True
    with torch.autocast("cpu", dtype=autocast_dtype):
        logits = lin(x).masked_fill(mask, -INF)
        assert logits.dtype == autocast_dtype
        losses = [multilabel_categorical_crossentropy(logits, targets),
                  soft_multilabel_categorical_crossentropy(logits, targets.float()),
                  sparse_multilabel_categorical_crossentropy(logits, to_indices(targets)),
                  multilabel_kl(logits, logits.detach() + 1)]
    for loss in losses:
        assert loss.dtype == torch.float32 and all_finite(loss)
        lin.zero_grad()
        loss.backward(retain_graph=True)
        assert all_finite(lin.weight.grad)
    ref = multilabel_categorical_crossentropy_np(logits.float().detach().numpy(), targets.numpy()).mean()
    assert losses[0].item() == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_inputs_return_float32(dtype):
    logits, targets = random_problem(5, dtype=dtype)
    loss = multilabel_categorical_crossentropy(logits, targets)
    ref = multilabel_categorical_crossentropy_np(logits.double().numpy(), targets.double().numpy()).mean()
    assert loss.dtype == torch.float32 and loss.item() == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("margin", [5.0, 12.0, 17.0, 30.0, 80.0, 500.0])
def test_sparse_when_positives_dominate(margin):
    """log(1 − e^{b−a}) must stay accurate and NaN-free when the positives hold almost all the mass."""
    n = 50_000
    logits = torch.full((3, n), -3.0)
    logits[:, :4] = margin
    logits[1, 10] = margin - 2  # a strong negative
    idx = torch.tensor([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, -1, -1]])
    targets = torch.zeros(3, n)
    targets[:2, :4] = 1
    targets[2, :2] = 1
    x = logits.clone().requires_grad_(True)
    loss = sparse_multilabel_categorical_crossentropy(x, idx, reduction="none")
    loss.sum().backward()
    assert all_finite(loss, x.grad)
    ref = multilabel_categorical_crossentropy_np(logits.numpy(), targets.numpy())
    np.testing.assert_allclose(loss.detach().double().numpy(), ref, rtol=1e-6, atol=1e-6)
    y = logits.clone().requires_grad_(True)
    multilabel_categorical_crossentropy(y, targets, reduction="none").sum().backward()
    torch.testing.assert_close(x.grad, y.grad, rtol=1e-5, atol=1e-7)


def test_sparse_does_not_build_a_dense_target():
    batch, n = 4, 3000
    logits = torch.randn(batch, n, requires_grad=True)
    idx = torch.tensor([[5, 17, -1], [0, 1, 2], [-1, -1, -1], [2999, -1, -1]])

    class Record(TorchDispatchMode):
        dense_non_float = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and not t.is_floating_point() and t.numel() >= batch * n:
                    self.dense_non_float.append((str(func), t.dtype, tuple(t.shape)))
            return out

    with Record() as rec:
        sparse_multilabel_categorical_crossentropy(logits, idx).backward()
    assert rec.dense_non_float == []


# --------------------------------------------------------------------------------- gradients


def test_gradcheck_float64():
    logits, targets = random_problem(7, batch=3, n=6)
    logits.requires_grad_(True)
    idx = to_indices(targets)
    probs = torch.rand(3, 6, dtype=torch.float64)
    other = torch.randn(3, 6, dtype=torch.float64)
    masked = logits.detach().clone()
    masked[0, 2] = -INF
    checks = [
        lambda s: multilabel_categorical_crossentropy(s, targets, reduction="none"),
        lambda s: multilabel_categorical_crossentropy(s, targets, threshold=None, reduction="sum"),
        lambda s: multilabel_categorical_crossentropy(s, targets, threshold=-0.7),
        lambda s: soft_multilabel_categorical_crossentropy(s, probs, reduction="none"),
        lambda s: sparse_multilabel_categorical_crossentropy(s, idx, reduction="none"),
        lambda s: multilabel_kl(s, other, reduction="none"),
        # the masked entry stays -inf; the others are perturbed
        lambda s: multilabel_categorical_crossentropy(torch.where(torch.isneginf(masked), -INF, s), targets),
        lambda s: sparse_multilabel_categorical_crossentropy(torch.where(torch.isneginf(masked), -INF, s), idx),
    ]
    for fn in checks:
        assert torch.autograd.gradcheck(fn, (logits,))


def test_gradcheck_sparse_in_the_direct_fallback_regime():
    logits = torch.tensor([[30.0, 29.0, -1.0, 0.5, -2.0], [1.0, 0.0, -1.0, 0.5, -2.0]], dtype=torch.float64,
                          requires_grad=True)
    idx = torch.tensor([[0, 1], [3, -1]])
    assert torch.autograd.gradcheck(lambda s: sparse_multilabel_categorical_crossentropy(s, idx), (logits,))


# --------------------------------------------------------------------------------- KL, predict, probabilities


def test_kl_matches_bernoulli_symmetric_kl_and_is_a_divergence():
    a, _ = random_problem(8, scale=2.0)
    b, _ = random_problem(9, scale=2.0)
    np.testing.assert_allclose(multilabel_kl(a, b, reduction="none"), multilabel_kl_np(a.numpy(), b.numpy()),
                               rtol=1e-10)
    assert (multilabel_kl(a, b, reduction="none") > 0).all()
    assert multilabel_kl(a, a).item() == 0.0
    torch.testing.assert_close(multilabel_kl(a, b), multilabel_kl(b, a))


def test_kl_ignores_masked_labels():
    a = torch.tensor([[1.0, -INF, 0.0]])
    b = torch.tensor([[0.0, 2.0, -INF]])
    expected = (torch.sigmoid(torch.tensor(1.0)) - 0.5) * 1.0
    torch.testing.assert_close(multilabel_kl(a, b), expected)


def test_predict_and_probabilities():
    logits = torch.tensor([[-INF, -0.1, 0.0, 0.2]])
    assert predict(logits).tolist() == [[False, False, False, True]]
    assert predict(logits, threshold=-0.5).tolist() == [[False, True, True, True]]
    probs = probabilities(logits)
    torch.testing.assert_close(probs, torch.sigmoid(2 * logits))
    assert ((probs > 0.5) == predict(logits)).all()


# --------------------------------------------------------------------------------- API


def test_reductions_and_leading_shapes():
    logits, targets = random_problem(10, batch=6, n=7)
    logits3, targets3 = logits.reshape(2, 3, 7), targets.reshape(2, 3, 7)
    none = multilabel_categorical_crossentropy(logits3, targets3, reduction="none")
    assert none.shape == (2, 3)
    torch.testing.assert_close(multilabel_categorical_crossentropy(logits3, targets3), none.mean())
    torch.testing.assert_close(multilabel_categorical_crossentropy(logits3, targets3, reduction="sum"), none.sum())
    idx3 = to_indices(targets).reshape(2, 3, -1)
    torch.testing.assert_close(sparse_multilabel_categorical_crossentropy(logits3, idx3, reduction="none"), none)
    single = multilabel_categorical_crossentropy(logits[0], targets[0], reduction="none")
    assert single.shape == () and single.item() == pytest.approx(none[0, 0].item())
    single_sparse = sparse_multilabel_categorical_crossentropy(logits[0], to_indices(targets[:1])[0], reduction="none")
    assert single_sparse.shape == () and single_sparse.item() == pytest.approx(none[0, 0].item())
    no_positives = sparse_multilabel_categorical_crossentropy(logits, torch.zeros(6, 0, dtype=torch.long))
    torch.testing.assert_close(no_positives, multilabel_categorical_crossentropy(logits, torch.zeros_like(logits)))


def test_modules_match_functions():
    logits, targets = random_problem(11)
    idx = to_indices(targets, pad_index=0)  # bert4keras convention: id 0 is padding
    other = torch.randn_like(logits)
    assert MultilabelCategoricalCrossentropyLoss()(logits, targets) == multilabel_categorical_crossentropy(
        logits, targets)
    assert SoftMultilabelCategoricalCrossentropyLoss(reduction="sum")(logits, targets) == \
        soft_multilabel_categorical_crossentropy(logits, targets, reduction="sum")
    sparse = SparseMultilabelCategoricalCrossentropyLoss(pad_index=0, reduction="none")
    torch.testing.assert_close(sparse(logits, idx),
                               torch.as_tensor(sparse_multilabel_categorical_crossentropy_np(logits, idx, pad_index=0)))
    assert MultilabelKLLoss()(logits, other) == multilabel_kl(logits, other)
    assert "pad_index=0" in repr(sparse)


def test_pad_index_zero_makes_label_zero_a_negative():
    logits, targets = random_problem(12, batch=3, n=6)
    targets[:, 0] = 0
    idx = to_indices(targets, pad_index=0)
    torch.testing.assert_close(sparse_multilabel_categorical_crossentropy(logits, idx, pad_index=0),
                               multilabel_categorical_crossentropy(logits, targets))


@pytest.mark.parametrize("call,error,match", [
    (lambda: multilabel_categorical_crossentropy(np.zeros((2, 3)), torch.zeros(2, 3)), TypeError, "torch.Tensor"),
    (lambda: multilabel_categorical_crossentropy(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 3)),
     TypeError, "floating"),
    (lambda: multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.zeros(2, 4)), ValueError, "shape"),
    (lambda: multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.full((2, 3), 0.5)), ValueError, "0/1"),
    (lambda: multilabel_categorical_crossentropy(torch.tensor([[0.0, math.nan]]), torch.zeros(1, 2)),
     ValueError, "NaN"),
    (lambda: multilabel_categorical_crossentropy(torch.tensor([[0.0, INF]]), torch.zeros(1, 2)),
     ValueError, r"\+inf"),
    (lambda: multilabel_categorical_crossentropy(torch.zeros(2, 0), torch.zeros(2, 0)), ValueError, "n_labels"),
    (lambda: multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.zeros(2, 3), reduction="avg"),
     ValueError, "reduction"),
    (lambda: multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.zeros(2, 3), threshold=math.nan),
     ValueError, "threshold"),
    (lambda: soft_multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.full((2, 3), 1.5)),
     ValueError, r"\[0, 1\]"),
    (lambda: sparse_multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.tensor([[0], [3]])),
     ValueError, "label ids"),
    (lambda: sparse_multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.tensor([[1, 1], [0, -1]])),
     ValueError, "repeats"),
    (lambda: sparse_multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.tensor([[1.0], [0.0]])),
     TypeError, "integer"),
    (lambda: sparse_multilabel_categorical_crossentropy(torch.zeros(2, 3), torch.tensor([[1], [0], [2]])),
     ValueError, "leading shape"),
    (lambda: multilabel_kl(torch.zeros(2, 3), torch.zeros(3, 3)), ValueError, "shape"),
    (lambda: MultilabelCategoricalCrossentropyLoss(reduction="mean!"), ValueError, "reduction"),
])
def test_bad_input_is_rejected_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call()
