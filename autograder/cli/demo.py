"""`lmcourse demo`: the module's worked examples and a bigram fit on the bundled corpus, every number from lmcore."""

from __future__ import annotations

import click


@click.command("demo")
def demo_command() -> None:
    """Print the worked examples (4.0, 16.0, the three loss terms of 'The cat sat on') and a bigram fit."""
    from lmcore.demo import main

    main()
