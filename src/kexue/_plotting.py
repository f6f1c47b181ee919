"""Shared figure handling: a headless pyplot, checked output paths, and saving with a clear error."""

from __future__ import annotations

from pathlib import Path

FIGURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg")


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_figure_path(path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"plot file {path} must end in {', '.join(FIGURE_SUFFIXES)}")
    return path


def save_figure(fig, path, *, dpi: int = 100) -> Path:
    """Save ``fig`` to ``path`` and close it; an unwritable path raises ``ValueError``."""
    plt = pyplot()
    try:
        fig.savefig(path, dpi=dpi)
    except OSError as exc:
        raise ValueError(f"cannot write plot to {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return Path(path)
