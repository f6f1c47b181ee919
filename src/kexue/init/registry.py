"""Initialisers by name, and a hook for ``module.apply``."""

from __future__ import annotations

from typing import Any, Callable

from kexue._validation import check_choice
from kexue.init.orthogonal import orthogonal_
from kexue.init.variance_scaling import (
    fan_out_normal_,
    fan_out_uniform_,
    he_normal_,
    he_uniform_,
    lecun_normal_,
    lecun_uniform_,
    xavier_normal_,
    xavier_uniform_,
)

#: name → in-place initialiser ``f(tensor, generator=None)``
INITIALIZERS: dict[str, Callable] = {
    "orthogonal": orthogonal_,
    "lecun_normal": lecun_normal_,
    "lecun_uniform": lecun_uniform_,
    "fan_out_normal": fan_out_normal_,
    "fan_out_uniform": fan_out_uniform_,
    "xavier_normal": xavier_normal_,
    "xavier_uniform": xavier_uniform_,
    "he_normal": he_normal_,
    "he_uniform": he_uniform_,
}


def get_initializer(init: str | Callable) -> Callable:
    """The in-place initialiser called ``init`` (a key of :data:`INITIALIZERS`), or ``init`` if callable."""
    if callable(init):
        return init
    check_choice(init, "initialiser", tuple(INITIALIZERS))
    return INITIALIZERS[init]


def initializer(init: str | Callable, bias: float | None = 0.0, generator=None, **kwargs: Any) -> Callable:
    """A function for ``module.apply`` that initialises every ``nn.Linear`` and ``nn.ConvNd`` weight.

    Parameters
    ----------
    init : str or callable
        Name from :data:`INITIALIZERS` or an in-place function ``f(tensor, **kwargs)``.
    bias : float or None
        Value written into biases (the article zeroes them); ``None`` leaves biases alone.
    generator : torch.Generator, optional
        Passed on to the initialiser for reproducible draws.
    **kwargs
        Extra arguments of the initialiser (``gain=...``, ``truncated=True``, ``mode="fan_out"``...).

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    >>> _ = net.apply(initializer("orthogonal"))
    >>> bool(torch.allclose(net[0].weight.T @ net[0].weight, torch.eye(64), atol=1e-5))
    True
    """
    import torch
    from torch import nn

    fn = get_initializer(init)
    if generator is not None:
        kwargs["generator"] = generator
    if bias is not None and not isinstance(bias, (int, float)):
        raise TypeError(f"bias must be a number or None, got {type(bias).__name__}")

    def apply(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
            fn(module.weight, **kwargs)
            if bias is not None and module.bias is not None:
                with torch.no_grad():
                    module.bias.fill_(float(bias))

    return apply
