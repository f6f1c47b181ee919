"""What each framework calls its GELU, and which of our forms it is.

Serve a checkpoint with the activation it was trained with: the erf and tanh forms differ by up to 4.7e-4 per
activation, and the difference accumulates over layers. Defaults differ between frameworks: PyTorch, TensorFlow
(``tf.nn.gelu``), Keras activations, ONNX and Paddle default to the exact erf form; JAX/Flax, ``keras.ops.gelu``
and TensorFlow Addons default to tanh.
"""

from __future__ import annotations

from dataclasses import dataclass

from kexue._validation import check_choice


@dataclass(frozen=True)
class ActivationName:
    """One row of the name table: ``framework`` writes ``spelling`` and means our ``approximate``."""

    framework: str
    spelling: str
    approximate: str
    api: str


def _rows() -> list[ActivationName]:
    rows = []

    def add(framework, api, default, flag_values):
        # flag_values: {spelling of the approximate argument: our form}
        rows.append(ActivationName(framework, "gelu", default, f"{api} (default)"))
        for flag, ours in flag_values.items():
            rows.append(ActivationName(framework, f"gelu(approximate={flag})", ours, api))

    add("pytorch", "torch.nn.functional.gelu / torch.nn.GELU", "none", {"'none'": "none", "'tanh'": "tanh"})
    add("jax", "jax.nn.gelu", "tanh", {"True": "tanh", "False": "none"})
    add("flax", "flax.linen.gelu", "tanh", {"True": "tanh", "False": "none"})
    add("tensorflow", "tf.nn.gelu", "none", {"True": "tanh", "False": "none"})
    add("keras", "keras.activations.gelu / activation='gelu'", "none", {"True": "tanh", "False": "none"})
    add("keras.ops", "keras.ops.gelu", "tanh", {"True": "tanh", "False": "none"})
    add("tfa", "tensorflow_addons.activations.gelu", "tanh", {"True": "tanh", "False": "none"})
    add("paddle", "paddle.nn.GELU / paddle.nn.functional.gelu", "none",
        {"True": "tanh", "False": "none", "'tanh'": "tanh", "'none'": "none"})
    add("onnx", "Gelu (opset 20)", "none", {"'none'": "none", "'tanh'": "tanh"})
    hf = {
        "gelu": "none", "gelu_python": "none",
        # gelu_10 (exact GELU clipped to [-10, 10]) is left out: no form here clips its output
        "gelu_new": "tanh", "gelu_fast": "tanh", "gelu_pytorch_tanh": "tanh", "gelu_python_tanh": "tanh",
        "gelu_accurate": "tanh", "quick_gelu": "sigmoid",
    }
    for spelling, ours in hf.items():
        rows.append(ActivationName("huggingface", spelling, ours, "transformers ACT2FN / config hidden_act"))
    return rows

#: the full table, one row per (framework, spelling)
ACTIVATION_NAMES: tuple[ActivationName, ...] = tuple(_rows())

FRAMEWORKS = tuple(dict.fromkeys(r.framework for r in ACTIVATION_NAMES))


def _normalise(spelling: str) -> str:
    s = "".join(spelling.split()).replace('"', "'").lower()
    return s.replace("approximate='true'", "approximate=true").replace("approximate='false'", "approximate=false")


_LOOKUP = {(r.framework, _normalise(r.spelling)): r.approximate for r in ACTIVATION_NAMES}


def resolve_activation(name: str, framework: str) -> str:
    """Our ``approximate=`` value for an activation as ``framework`` names it.

    Parameters
    ----------
    name : str
        The framework's spelling: a Hugging Face ``hidden_act`` (``"gelu_new"``, ``"quick_gelu"``, …), or
        ``"gelu"`` (the framework's default) or ``"gelu(approximate=True)"``-style calls.
    framework : str
        One of :data:`FRAMEWORKS` ("pytorch", "jax", "flax", "tensorflow", "keras", "keras.ops", "tfa",
        "paddle", "onnx", "huggingface").

    Examples
    --------
    >>> resolve_activation("gelu", "jax")
    'tanh'
    >>> resolve_activation("quick_gelu", "huggingface")
    'sigmoid'
    """
    if not isinstance(name, str) or not isinstance(framework, str):
        raise TypeError("name and framework must be strings")
    framework = check_choice(framework.lower(), "framework", FRAMEWORKS)
    key = (framework, _normalise(name))
    if key not in _LOOKUP:
        known = ", ".join(r.spelling for r in ACTIVATION_NAMES if r.framework == framework)
        raise ValueError(f"unknown {framework} activation {name!r}; known: {known}")
    return _LOOKUP[key]
