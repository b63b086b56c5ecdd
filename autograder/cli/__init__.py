"""The `lmcourse` command line. Each verb is a click command in its own module of this package (the top layer: it
may import every tool, nothing imports it), imported only when used, so `lmcourse quiz` does not pay for torch and a
broken verb cannot break the others."""

from __future__ import annotations

import importlib

import click

# verb -> "module:attribute" of a click command
VERBS: dict[str, str] = {
    "build": "autograder.cli.build:build_command",
    "prove": "autograder.cli.prove:prove_command",
    "handout": "autograder.cli.handout:handout_command",
    "grade": "autograder.cli.grade:grade_command",
    "handback": "autograder.cli.handback:handback_command",
    "export": "autograder.cli.export:export_command",
    "remove": "autograder.cli.remove:remove_command",
    "quiz": "autograder.cli.quiz:quiz_command",
    "train": "autograder.cli.train:train_command",
    "demo": "autograder.cli.demo:demo_command",
}


class LazyGroup(click.Group):
    """Verbs import on first use; `lmcourse` alone and `lmcourse --help` list them with their one-line help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in VERBS:
            return None
        module, attr = VERBS[name].split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, no_args_is_help=True)
@click.version_option(package_name="lmcourse")
def main() -> None:
    """lmcourse: build, grade and quiz the module 'Pre-training objective for language models'."""

