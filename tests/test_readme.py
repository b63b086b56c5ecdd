"""README as a newcomer reads it: every `lmcourse` command it shows names a real verb and real options, and the
venv's `lmcourse` is put on PATH before the first bare `lmcourse` command (issue: nothing put .venv/bin on PATH)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from autograder.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _commands(text: str) -> list[list[str]]:
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            words = shlex.split(line) if line else []
            if words and words[0] in ("lmcourse", ".venv/bin/lmcourse"):
                out.append(words[1:])
    return out


def _unknown_options(args: list[str]) -> list[str]:
    cmd: click.Command = main
    ctx = click.Context(main)
    while isinstance(cmd, click.Group) and args and not args[0].startswith("-"):
        sub = cmd.get_command(ctx, args[0])
        assert sub is not None, f"README shows an unknown verb: lmcourse ... {args[0]}"
        cmd, ctx, args = sub, click.Context(sub, parent=ctx), args[1:]
    declared = {o for p in cmd.params if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)}
    declared |= {"--help"}
    return [a.split("=")[0] for a in args if a.startswith("-") and a.split("=")[0] not in declared]


def test_readme_lmcourse_commands_use_real_verbs_and_options():
    commands = _commands(README.read_text(encoding="utf-8"))
    assert len(commands) >= 10, "README shows the CLI"
    bad = {" ".join(c): u for c in commands if (u := _unknown_options(c))}
    assert not bad, f"README commands with options the CLI does not have: {bad}"


def test_readme_says_how_lmcourse_gets_on_path_before_using_it():
    text = README.read_text(encoding="utf-8")
    first_bare = re.search(r"^lmcourse ", text, flags=re.M).start()
    activate = text.find("source .venv/bin/activate")
    assert 0 <= activate < first_bare, "tell the reader to activate .venv before the first bare `lmcourse` command"


def test_readme_option_check_sees_a_typo():
    assert _unknown_options(["grade", "--workerz", "2"]) == ["--workerz"]
    assert _unknown_options(["quiz", "grade", "--key", "k.json"]) == []


def test_readme_shows_every_verb():
    from autograder.cli import VERBS

    shown = {c[0] for c in _commands(README.read_text(encoding="utf-8")) if c}
    assert set(VERBS) - {"demo", "train"} <= shown, f"README shows no command for {set(VERBS) - shown}"
