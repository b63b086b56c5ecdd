"""The teacher's view's plots (PNG, matplotlib, no network needed to view them). A plot is drawn only when it has
something to show: the caller says so in words otherwise (no empty chart, no ±0.05 axis)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from autograder.grade.teaching import Mistake, QuestionStats, label

BLUE, GREEN, GREY, RED = "#4c72b0", "#55a868", "#bbbbbb", "#c44e52"
MAX_BARS = 12  # the mistakes chart shows the most common ones; the table lists every one


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def warm() -> None:
    """Import matplotlib (~0.3 s of CPU) ahead of the first plot, e.g. in a thread of the grader while it grades."""
    _pyplot()


def histogram(path: Path, shares: list[float]) -> Path | None:
    """Scores of the graded submissions in 10 % bins; None without any."""
    if not shares:
        return None
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([100 * s for s in shares], bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001], color=BLUE,
            edgecolor="white")
    ax.set(xlabel="score (%)", ylabel="students", title="Grade distribution", xlim=(0, 100))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def question_means(path: Path, stats: list[QuestionStats]) -> Path | None:
    """Mean share of each question's points, and the share of students with full marks; None without data."""
    if not stats or not any(s.n for s in stats):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(stats) + 2), 3.6))
    xs = range(len(stats))
    ax.bar([x - 0.2 for x in xs], [100 * s.mean / s.points if s.points else 0 for s in stats], width=0.4,
           color=GREEN, label="mean score (% of the points)")
    ax.bar([x + 0.2 for x in xs], [100 * s.full / s.n if s.n else 0 for s in stats], width=0.4, color=BLUE,
           label="students with full marks (%)")
    ax.set_xticks(list(xs), [s.name for s in stats], rotation=0 if len(stats) <= 10 else 45)
    ax.set(ylabel="%", ylim=(0, 100), title="Per question: mean score, and students with full marks")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def mistakes(path: Path, found: list[Mistake]) -> Path | None:
    """Students per named mistake (not the categories that are not mistakes), most common on top; None without
    any named mistake."""
    named = [m for m in found if m.id not in ("unattempted", "undiagnosed", "does-not-run")][:MAX_BARS]
    if not named:
        return None
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    names = ["\n".join(textwrap.wrap(label(m.id), 28)) for m in named][::-1]
    counts = [len(m.students) for m in named][::-1]
    fig, ax = plt.subplots(figsize=(6.5, 0.9 + 0.42 * len(named)))
    ax.barh(names, counts, color=RED)
    for y, n in enumerate(counts):
        ax.text(n, y, f" {n}", va="center", fontsize=9)
    ax.set(xlabel="students", title="Mistakes to reteach", xlim=(0, max(counts) * 1.15 + 0.5))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
