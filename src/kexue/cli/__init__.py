"""The ``kexue`` command-line interface (see :mod:`kexue.cli.main`)."""
