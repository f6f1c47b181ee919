"""Pictures for text similarity: the transport plan as a heat map with tokens on the axes."""

from __future__ import annotations

from pathlib import Path


def plot_alignment(plan, tokens_a, tokens_b, path, *, title: str = "WRD transport plan") -> Path:
    """Save a heat map of ``plan`` (rows: tokens of text A, columns: tokens of text B) to ``path``."""
    from kexue._plotting import check_figure_path, pyplot, save_figure

    plt = pyplot()
    path = check_figure_path(path)
    fig, ax = plt.subplots(figsize=(1.2 + 0.45 * len(tokens_b), 1.0 + 0.4 * len(tokens_a)))
    im = ax.imshow(plan, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(tokens_b)), tokens_b, rotation=60, ha="right")
    ax.set_yticks(range(len(tokens_a)), tokens_a)
    ax.set_xlabel("text B")
    ax.set_ylabel("text A")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="mass moved")
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)
