"""Saving an example's plots: ``python examples/NAME.py --plots DIR``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the examples save their plots; they never show them

import matplotlib.pyplot as plt  # noqa: E402


def save(figures: dict, folder: str, prefix: str) -> None:
    """Save each Figure (or the Figure of each Axes) as ``folder/prefix_key.png``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    for key, figure in figures.items():
        getattr(figure, "figure", figure).savefig(Path(folder) / f"{prefix}_{key}.png", dpi=100)
    plt.close("all")


def plots_folder(argv: list[str]) -> str | None:
    """The folder after ``--plots`` on the command line, if any."""
    return argv[argv.index("--plots") + 1] if "--plots" in argv else None
