"""kexue: the ideas of one page of the *Scientific Spaces* blog (kexue.fm) as tested software.

Areas (each a subpackage, imported on demand so ``import kexue`` stays cheap):

- :mod:`kexue.ot` -- exact optimal transport (EMD) and batched solvers
- :mod:`kexue.textsim` -- WMD, WRD, their bounds, embedders, search and evaluation
- :mod:`kexue.multilabel` -- multi-label softmax cross-entropy (ZLPR)
- :mod:`kexue.gelu` -- GELU and its elementary approximations
- :mod:`kexue.gans` -- GAN losses designed from a likelihood ratio
- :mod:`kexue.init` -- variance-scaling and orthogonal initialisers
- :mod:`kexue.angles` -- the angle between random vectors in n dimensions
- :mod:`kexue.hsic` -- HSIC estimators and independence tests
- :mod:`kexue.ellipses` -- gluing two elliptical sheets into a solid
"""

from kexue.errors import DataNotInstalledError, KexueError

__version__ = "0.1.0"
__all__ = ["KexueError", "DataNotInstalledError", "__version__"]
