"""The ``kexue`` command.

Every area registers its commands from its own module (``kexue.cli.<area>``) through a
``register(app)`` function. Those modules import heavy libraries (torch, transformers, ...) inside the
command bodies only, so ``kexue --help`` stays fast.

Errors: bad input reaches the user as one line on stderr and a non-zero exit status, never a traceback
(set ``KEXUE_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import os
import sys

import click
import typer

from kexue.errors import KexueError


def _exception_types(name: str) -> tuple[type, ...]:
    """``name`` from click and from the copy of click that typer may carry (they are distinct classes)."""
    found = [getattr(click.exceptions, name)]
    try:
        from typer._click import exceptions as typer_click
    except ImportError:  # typer releases that use click itself
        typer_click = None
    if typer_click is not None and hasattr(typer_click, name):
        found.append(getattr(typer_click, name))
    found.extend(t for t in (getattr(typer, name, None),) if isinstance(t, type))
    return tuple(dict.fromkeys(found))


_EXIT, _ABORT, _CLICK_ERROR = _exception_types("Exit"), _exception_types("Abort"), _exception_types("ClickException")

app = typer.Typer(
    name="kexue",
    help="Optimal-transport text similarity and seven more ideas from kexue.fm, as tested tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_AREAS = ["similarity", "search", "data", "evaluation", "multilabel", "gelu", "gans", "angles", "init",
          "hsic", "ellipses"]


def _register_all() -> None:
    import importlib

    for area in _AREAS:
        module = importlib.import_module(f"kexue.cli.{area}")
        module.register(app)


_register_all()

#: exit status for bad input or a failed job
EXIT_ERROR = 2


def _one_line(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    text = " ".join(s.strip() for s in msg) if msg else type(exc).__name__
    if isinstance(exc, (KeyError,)):
        text = f"missing {text}"
    return text


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app and turn errors into one line and a non-zero status."""
    try:
        app(args=argv, standalone_mode=False, prog_name="kexue")
    except _EXIT as exc:
        return exc.exit_code
    except _ABORT:
        click.echo("aborted", err=True)
        return 130
    except _CLICK_ERROR as exc:
        exc.show()
        return exc.exit_code
    except (KexueError, ValueError, TypeError, OSError, KeyError, ImportError, RuntimeError) as exc:
        if os.environ.get("KEXUE_DEBUG"):
            raise
        click.echo(f"error: {_one_line(exc)}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return 0


def run() -> None:  # pragma: no cover - thin wrapper for `python -m kexue`
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
