"""The `lmcourse` command line as a newcomer meets it: help everywhere, and one meaning per short option."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from autograder.cli import VERBS, main


def _commands(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, click.Context(cmd, parent=ctx), (*prefix, name))


def test_cli_bare_and_help_list_every_verb():
    for args in ([], ["--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Usage: " in result.output
        for verb in VERBS:
            assert verb in result.output, (args, verb, result.output)


def test_cli_console_script_help_runs_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Commands:" in out.stdout and "ModuleNotFoundError" not in out.stderr


@pytest.mark.parametrize("path", [p for p, _ in _commands(main, click.Context(main))], ids=" ".join)
def test_cli_every_verb_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: "), result.output


def test_cli_short_options_mean_one_thing_across_verbs():
    meaning: dict[str, set[str]] = {}
    for _path, cmd in _commands(main, click.Context(main)):
        for param in cmd.params:
            if not isinstance(param, click.Option):
                continue
            longs = sorted(o for o in param.opts if o.startswith("--"))
            for short in (o for o in param.opts + param.secondary_opts if not o.startswith("--")):
                meaning.setdefault(short, set()).add(longs[0] if longs else param.name)
    clashes = {s: m for s, m in meaning.items() if len(m) > 1}
    assert not clashes, f"short options with several meanings: {clashes}"
