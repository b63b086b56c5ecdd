"""IPython syntax (`%magic`, `%%cell_magic`, `!cmd`, `x = !cmd`, `obj?`, prompts) → the Python IPython would run, in
time linear in the cell's size.

IPython's own `TransformerManager.transform_cell` re-tokenizes the whole cell after each of its (up to 500)
transformations, so a 48 KB cell of 2000 `!echo` lines costs it 30-40 s. This module applies IPython's own
transformers (cleanup, cell magic, and the token transformers MagicAssign, SystemAssign, EscapedCommand, HelpEnd) in
IPython's own order, but tokenizes lazily and, after a transformation, again only from the logical line it changed
(the tokenizer's state there is rebuilt from a few `pass` lines). What it returns equals IPython's
result (tests/autograder/test_grade_fuzz.py compares the two on generated cells), including IPython's refusal of a
cell needing 500 transformations or more (RuntimeError, as IPython raises).
"""

from __future__ import annotations

import tokenize
from collections.abc import Iterator

from IPython.core.inputtransformer2 import TRANSFORM_LOOP_LIMIT, TokenTransformBase, TransformerManager
from IPython.utils.tokenutil import generate_tokens_catch_errors

_MANAGER = TransformerManager()
_MAY_TRANSFORM = ("%", "!", "?", ",", ";", "/")  # a token transform needs one of these (escape, help, assignment)


def to_python(cell: str) -> str:
    """`TransformerManager().transform_cell(cell)`, linear in len(cell)."""
    if not cell.endswith("\n"):
        cell += "\n"
    lines = cell.splitlines(keepends=True)
    for transform in _MANAGER.cleanup_transforms + _MANAGER.line_transforms:
        lines = transform(lines)
    if not any(c in cell for c in _MAY_TRANSFORM):
        return "".join(lines)
    return "".join(_token_transforms(lines))


def _token_transforms(lines: list[str]) -> list[str]:
    """IPython's do_token_transforms: repeatedly apply the earliest candidate; a transformer whose earliest candidate
    fails (SyntaxError) finds nothing later while that candidate stands, as in IPython's loop."""
    start, state = 0, ([""], 0, 0)  # lines[:start] are final; the tokenizer's and IPython's state there
    blocked: dict[type, int] = {}  # transformer → the line of its failing candidate
    for _ in range(TRANSFORM_LOOP_LIMIT):
        changed = False
        prefix = len(_prefix(state))  # token rows count the lines that rebuild the tokenizer's state
        for first, at, group in _groups(lines, start, state):
            finders = [cls for cls in _MANAGER.token_transformers if cls not in blocked]
            found = [c for c in (cls.find([group]) for cls in finders) if c]
            for cand in sorted(found, key=TokenTransformBase.sortby):
                try:
                    new = cand.transform([""] * prefix + lines[start:])
                except SyntaxError:
                    blocked[type(cand)] = first
                    continue
                lines = lines[:start] + new[prefix:]
                start, state, changed = first, at, True
                blocked = {cls: line for cls, line in blocked.items() if line < first}
                break
            if changed:
                break
        if not changed:
            return lines
    raise RuntimeError(f"Input transformation still changing after {TRANSFORM_LOOP_LIMIT} iterations. Aborting.")


def _prefix(state: tuple[list[str], int, int]) -> list[str]:
    """Lines that leave the tokenizer in `state`: one line per indentation level, then as many closing brackets as
    the tokenizer's bracket depth is below 0 (after a stray ")" it counts on from there, as IPython's tokenizing of
    the whole cell does)."""
    indents, depth, _ = state
    lines = [ws + "pass\n" for ws in indents[1:]]
    if depth < 0:
        lines = lines[:-1] + [(lines[-1][:-1] if lines else "") + ")" * -depth + "\n"]
    return lines


def _groups(lines: list[str], start: int, state: tuple[list[str], int, int]) -> Iterator[tuple[int, tuple, list]]:
    """(index in `lines` of its first line, state before it, tokens) of each logical line from `start`, grouped as
    IPython's make_tokens_by_line groups them; token rows count the prefix lines that rebuild the tokenizer's state.
    A state is (the tokenizer's indentation stack, its bracket depth, IPython's bracket depth, which never goes below
    0 and so may stay above 0 across a NEWLINE after a stray closing bracket)."""
    prefix = _prefix(state)
    source = iter(prefix + lines[start:])
    stack, depth, parenlev = list(state[0]), state[1], state[2]
    group, at, first = [], state, start  # first: the group's first physical line (a continued line included)
    try:
        for tok in generate_tokens_catch_errors(source.__next__, extra_errors_to_catch=["expected EOF"]):
            if tok.start[0] - 1 < len(prefix):  # the prefix's own tokens
                continue
            if not group:
                at = (list(stack), depth, parenlev)
            if tok.type == tokenize.INDENT:
                stack.append(tok.string)
            elif tok.type == tokenize.DEDENT:
                stack.pop()
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
            group.append(tok)
            if tok.type == tokenize.NEWLINE or (tok.type == tokenize.NL and parenlev <= 0):
                yield first, at, group
                group, first = [], start + tok.end[0] - len(prefix)
            elif tok.type == tokenize.OP and tok.string in "([{":
                parenlev += 1
            elif tok.type == tokenize.OP and tok.string in ")]}" and parenlev > 0:
                parenlev -= 1
    except tokenize.TokenError:
        pass
    if group:
        yield first, at, group
