"""Multi-label softmax cross-entropy (ZLPR) and its relatives, for PyTorch.

- :mod:`~kexue.multilabel.losses` -- dense, soft-label and sparse losses, the R-Drop divergence,
  ``predict`` (logit > 0), ``probabilities`` (σ(2s)) and ``nn.Module`` wrappers
- :mod:`~kexue.multilabel.reference` -- NumPy references of each loss
- :mod:`~kexue.multilabel.combinatorial` -- the k-subset softmax (Newton's identities) and its padded
  threshold variant, as reference functions
- :mod:`~kexue.multilabel.yeast` -- the Yeast comparison ZLPR vs BCE behind ``kexue multilabel train``
"""

from kexue.multilabel.combinatorial import (
    combinatorial_softmax_crossentropy,
    padded_combinatorial_crossentropy,
    padded_combinatorial_predict,
    padded_subset_log_partition,
    subset_log_partition,
)
from kexue.multilabel.losses import (
    MultilabelCategoricalCrossentropyLoss,
    MultilabelKLLoss,
    SoftMultilabelCategoricalCrossentropyLoss,
    SparseMultilabelCategoricalCrossentropyLoss,
    multilabel_categorical_crossentropy,
    multilabel_kl,
    predict,
    probabilities,
    soft_multilabel_categorical_crossentropy,
    sparse_multilabel_categorical_crossentropy,
)
from kexue.multilabel.reference import (
    multilabel_categorical_crossentropy_np,
    multilabel_kl_np,
    soft_multilabel_categorical_crossentropy_np,
    sparse_multilabel_categorical_crossentropy_np,
)

from kexue.multilabel import losses  # noqa: E402  (its __all__ is re-exported)

__all__ = [
    *losses.__all__,
    "multilabel_categorical_crossentropy_np",
    "soft_multilabel_categorical_crossentropy_np",
    "sparse_multilabel_categorical_crossentropy_np",
    "multilabel_kl_np",
    "subset_log_partition",
    "padded_subset_log_partition",
    "combinatorial_softmax_crossentropy",
    "padded_combinatorial_crossentropy",
    "padded_combinatorial_predict",
]
