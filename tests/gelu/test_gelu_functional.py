"""gelu() on NumPy and torch, the GELU module, and the framework name table."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from kexue.gelu import ACTIVATION_NAMES, APPROXIMATIONS, FORMS, GELU, gelu, resolve_activation

EPS32 = float(torch.finfo(torch.float32).eps)

# reference §2.2 (exact, tanh, xσ(1.702x)), 10 decimals
REFERENCE = {
    1.0: (0.8413447461, 0.8411919906, 0.8457957659),
    -1.0: (-0.1586552539, -0.1588080094, -0.1542042341),
    0.5: (0.3457312306, 0.3457140098, 0.3503884366),
    3.0: (2.9959503059, 2.9963626079, 2.9819286903),
    -3.0: (-0.0040496941, -0.0036373921, -0.0180713097),
}


@pytest.mark.parametrize("x", list(REFERENCE))
def test_reference_values(x):
    for mode, want in zip(("none", "tanh", "sigmoid"), REFERENCE[x]):
        assert float(gelu(x, mode)) == pytest.approx(want, abs=6e-11)
        assert float(gelu(torch.tensor(x, dtype=torch.float64), mode)) == pytest.approx(want, abs=6e-11)


def test_tfa_doc_value_at_1_5():
    # the TensorFlow Addons documentation prints float32 results computed in float32 (1 ulp = 1.2e-7 here)
    assert gelu(np.float32(1.5)) == pytest.approx(1.39978933, abs=1.2e-7)
    assert gelu(np.float32(1.5), "tanh") == pytest.approx(1.39957154, abs=1.2e-7)


def test_tanh_form_is_a_sigmoid_form_exactly():
    # ½(1 + tanh z) = σ(2z): written out by hand in float64
    x = np.linspace(-8, 8, 10001)
    a = math.sqrt(2 / math.pi)
    by_tanh = 0.5 * x * (1 + np.tanh(a * (x + 0.044715 * x**3)))
    by_sigmoid = x / (1 + np.exp(-(2 * a * x + 2 * a * 0.044715 * x**3)))
    np.testing.assert_allclose(gelu(x, "tanh"), by_tanh, rtol=1e-15, atol=1e-15)
    # exp(−z) near z = −49 carries |z|·eps relative rounding, hence 5e-14
    np.testing.assert_allclose(gelu(x, "tanh"), by_sigmoid, rtol=5e-14, atol=1e-300)


def _float32_grid():
    x = torch.linspace(-12, 12, 400_001, dtype=torch.float32)
    tails = torch.logspace(-30, 3, 20_000).float()
    x = torch.cat([x, tails, -tails])
    return x[x != 0]


@pytest.mark.parametrize("mode", ["none", "tanh"])
def test_matches_torch_gelu_to_float32_rounding(mode):
    x = _float32_grid()
    ours, theirs = gelu(x, mode), F.gelu(x, approximate=mode)
    assert ours.dtype == torch.float32
    truth = gelu(x.double(), mode)
    scale = EPS32 * x.double().abs()  # GELU(x) is x times a [0, 1] factor: its rounding unit is eps·|x|
    assert ((ours.double() - theirs.double()).abs() / scale).max() <= 4.0
    assert ((ours.double() - truth).abs() / scale).max() <= 2.0
    # float64: agreement to float64 rounding
    x64 = x.double()
    assert ((gelu(x64, mode) - F.gelu(x64, approximate=mode)).abs() / x64.abs()).max() <= 8 * 2.0**-52


def test_left_tail_keeps_relative_accuracy():
    # F.gelu loses all digits for x ≲ −5 in float32 (1 + erf cancels); we keep them
    x = torch.linspace(-8, -0.01, 10001)
    for mode in ("none", "tanh"):
        truth = gelu(x.double(), mode)
        rel = ((gelu(x, mode).double() - truth).abs() / truth.abs()).max()
        assert rel <= 64 * EPS32


@pytest.mark.parametrize("mode", APPROXIMATIONS)
def test_gradcheck_float64(mode):
    x = torch.linspace(-9, 9, 61, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: gelu(t, mode), (x,))
    assert torch.autograd.gradgradcheck(lambda t: gelu(t, mode), (x,))


@pytest.mark.parametrize("mode", ["none", "tanh"])
def test_gradient_matches_torch(mode):
    x = torch.linspace(-6, 6, 1001, dtype=torch.float64, requires_grad=True)
    (g_ours,) = torch.autograd.grad(gelu(x, mode).sum(), x)
    (g_torch,) = torch.autograd.grad(F.gelu(x, approximate=mode).sum(), x)
    torch.testing.assert_close(g_ours, g_torch, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", APPROXIMATIONS)
def test_numpy_and_torch_agree(mode):
    x = np.linspace(-10, 10, 2001)
    np.testing.assert_allclose(gelu(torch.from_numpy(x), mode).numpy(), gelu(x, mode), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
def test_torch_dtype_shape_preserved(dtype):
    x = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0)).to(dtype)
    for mode in ("none", "tanh", "tanh5"):
        y = gelu(x, mode)
        assert y.dtype == dtype and y.shape == x.shape and y.device == x.device
        torch.testing.assert_close(y.double(), gelu(x.double(), mode), rtol=2e-2, atol=2e-2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_device_preserved():
    x = torch.randn(1000, device="cuda")
    for mode in ("none", "tanh", "tanh5"):
        y = gelu(x, mode)
        assert y.device == x.device
        torch.testing.assert_close(y.cpu(), gelu(x.cpu(), mode), rtol=1e-5, atol=1e-6)


def test_numpy_types():
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    assert gelu(x32).dtype == np.float32
    assert gelu(np.arange(-3, 4)).dtype == np.float64
    assert isinstance(gelu(1.0), np.floating)
    assert gelu([[0.0, 1.0]]).shape == (1, 2)
    y = gelu(np.array([np.nan, np.inf, -np.inf]))
    t = F.gelu(torch.tensor([np.nan, np.inf, -np.inf], dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(t))
    assert y[1] == np.inf


@settings(max_examples=200, deadline=None)
@given(x=st.floats(-50, 50, allow_nan=False), mode=st.sampled_from(APPROXIMATIONS))
def test_reflection_identity(x, mode):
    # x·Φ̂(x) − (−x)·Φ̂(−x) = x because Φ̂(−x) = 1 − Φ̂(x) for every form
    assert gelu(x, mode) - gelu(-x, mode) == pytest.approx(x, abs=4e-16 * max(1.0, abs(x)))


@settings(max_examples=100, deadline=None)
@given(x=st.floats(-12, 12, allow_nan=False))
def test_every_form_close_to_exact(x):
    for name in APPROXIMATIONS:
        bound = {"sigmoid": 0.0204, "sigmoid_minimax": 0.0204, "sigmoid_gelu": 0.014}.get(name, 7.5e-4)
        assert abs(gelu(x, name) - gelu(x)) <= bound


def test_tanh5_saturates():
    x = np.array([8.0, 9.0, 50.0, 1e6])
    np.testing.assert_allclose(gelu(x, "tanh5"), x, rtol=1e-11)
    np.testing.assert_allclose(gelu(-x, "tanh5"), 0.0, atol=1e-6)
    assert FORMS["tanh5"].saturation == pytest.approx(8.3473, abs=1e-4)


def test_module():
    act = GELU("tanh")
    assert repr(act) == "GELU(approximate='tanh')"
    x = torch.randn(10, requires_grad=True)
    torch.testing.assert_close(act(x), torch.nn.GELU(approximate="tanh")(x), rtol=4 * EPS32, atol=4 * EPS32)
    act(x).sum().backward()
    assert x.grad is not None
    assert GELU().approximate == "none"
    with pytest.raises(ValueError, match="unknown approximate"):
        GELU("fast")


def test_bad_input():
    with pytest.raises(ValueError, match="unknown approximate 'erf'"):
        gelu(1.0, "erf")
    with pytest.raises(TypeError, match="approximate must be a string"):
        gelu(1.0, True)
    with pytest.raises(TypeError, match="floating tensor"):
        gelu(torch.arange(3))
    with pytest.raises(TypeError, match="real numeric"):
        gelu(np.array(["a"]))
    with pytest.raises(TypeError, match="real numeric"):
        gelu(np.array([1j]))


FRAMEWORK_DEFAULTS = {"pytorch": "none", "jax": "tanh", "flax": "tanh", "tensorflow": "none", "keras.ops": "tanh",
                      "tfa": "tanh", "paddle": "none", "onnx": "none"}


def test_name_table_defaults():
    for fw, want in FRAMEWORK_DEFAULTS.items():
        assert resolve_activation("gelu", fw) == want
    assert resolve_activation("gelu(approximate = 'tanh')", "pytorch") == "tanh"
    assert resolve_activation('GELU(approximate="none")', "PyTorch") == "none"
    assert resolve_activation("gelu(approximate=False)", "jax") == "none"
    assert all(r.approximate in FORMS for r in ACTIVATION_NAMES)
    with pytest.raises(ValueError, match="unknown huggingface activation"):
        resolve_activation("gelu_10", "huggingface")
    with pytest.raises(ValueError, match="unknown framework"):
        resolve_activation("gelu", "mxnet")
    assert GELU.from_name("quick_gelu", "huggingface").approximate == "sigmoid"


def test_huggingface_names_match_transformers_numerically():
    activations = pytest.importorskip("transformers.activations")
    x = torch.linspace(-8, 8, 4001, dtype=torch.float64)
    for row in ACTIVATION_NAMES:
        if row.framework != "huggingface":
            continue
        theirs = activations.ACT2FN[row.spelling](x)
        torch.testing.assert_close(gelu(x, row.approximate), theirs, rtol=1e-12, atol=1e-12, msg=row.spelling)


@pytest.mark.parametrize("mode", APPROXIMATIONS)
def test_inplace_fast_path_leaves_input_alone_and_matches_autograd_path(mode):
    x = torch.linspace(-10, 10, 1001)
    keep = x.clone()
    with torch.no_grad():
        fast = gelu(x, mode)
    slow = gelu(x.clone().requires_grad_(), mode)
    assert torch.equal(x, keep)
    assert torch.equal(fast, slow.detach())


def test_every_form_traces_as_one_graph_for_torch_compile():
    import torch._dynamo as dynamo

    x = torch.randn(64)
    for name in APPROXIMATIONS:
        dynamo.reset()
        explained = dynamo.explain(lambda t, n=name: gelu(t, n))(x)
        assert explained.graph_break_count == 0 and explained.graph_count == 1, (name, explained.break_reasons)
    dynamo.reset()
