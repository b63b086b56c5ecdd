"""Which top-level names of a package depend on which, found with `ast`, to cut an edition out of its real sources.

Every module statement is a member: a function, class, assignment, or one imported name. A class's methods and
fields are members too (key "pkg.mod.Class.method"). A member's dependencies are the package names it reads:
bare names resolved through its module's namespace, attribute chains on them (`Vocabulary.build`), and
`self.x` / `cls.x` inside a class. Removing a member removes whatever depends on it; a class goes when its
`__init__`, a base, a decorator or a field goes. The edition keeps what the package `__init__` still exports and
what that needs, and is written by deleting the other statements' lines from the sources, so comments survive.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LINE = 120


@dataclass(eq=False)
class Member:
    keys: list[str]  # the package names it binds; empty for a statement that binds none (e.g. a registration call)
    node: ast.AST
    module: Module
    parent: Member | None = None  # the class, for a class member
    target: tuple[str, str] | None = None  # for one imported package name: (module, name) it refers to
    deps: set[str] = field(default_factory=set)
    children: list[Member] = field(default_factory=list)

    @property
    def is_field(self) -> bool:
        return self.parent is not None and not isinstance(self.node, ast.FunctionDef | ast.AsyncFunctionDef)


@dataclass(eq=False)
class Module:
    name: str
    path: Path
    source: str
    tree: ast.Module
    members: list[Member] = field(default_factory=list)
    ns: dict[str, str] = field(default_factory=dict)  # local name -> package key, for names the package defines


def _bound(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return [n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)]


def _chain(node: ast.AST) -> list[str] | None:
    """`a.b.c` -> ["a", "b", "c"]; a call in the chain is skipped (`Box(1).peek` -> ["Box", "peek"]), since a class's
    instance has its methods. None when the chain is not rooted at a plain name: `x.peek` on a local variable `x` is
    not followed (no type inference), which the edition's import test covers."""
    parts = []
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        else:
            node = node.func
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else None


class Package:
    def __init__(self, name: str, modules: list[Module]):
        self.name, self.modules = name, modules
        self.by_key: dict[str, list[Member]] = {}
        for mod in modules:
            for m in self._all(mod):
                for k in m.keys:
                    self.by_key.setdefault(k, []).append(m)
        self.module_names = {m.name for m in modules}
        for mod in modules:
            for m in self._all(mod):
                m.deps = self._deps(m)

    @classmethod
    def parse(cls, root: Path, name: str, excluded: Iterable[str] = ()) -> Package:
        """Parse every module of the package at `root` (flat: no subpackages), except those matching `excluded`."""
        excluded = tuple(excluded)
        nested = sorted(str(d) for d in root.iterdir() if (d / "__init__.py").is_file())
        if nested:
            raise ValueError(f"{root}: subpackages are not supported by the edition's analysis: {nested}")
        modules = []
        for path in sorted(root.glob("*.py")):
            stem = path.stem
            if any(fnmatch.fnmatch(stem, pat) for pat in excluded):
                continue
            source = path.read_text(encoding="utf-8")
            try:
                tree = ast.parse(source, str(path))
            except SyntaxError as e:
                raise ValueError(f"{path}: cannot parse ({e})") from e
            mod = Module(name if stem == "__init__" else f"{name}.{stem}", path, source, tree)
            cls._collect(mod, name)
            modules.append(mod)
        return cls(name, modules)

    @staticmethod
    def _collect(mod: Module, pkg: str) -> None:
        base = pkg  # relative imports of a flat package resolve against the package itself
        for node in mod.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                internal = isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith(pkg))
                source = ""
                if internal:
                    source = node.module if node.level == 0 else ".".join(p for p in (base, node.module) if p)
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    key = f"{mod.name}.{local}" if internal else f"{mod.name}:{local}"  # ":" marks an outside name
                    mod.members.append(Member([key], node, mod, target=(source, alias.name) if internal else None))
                    mod.ns[local] = key
                continue
            names = _bound(node)
            member = Member([f"{mod.name}.{n}" for n in names], node, mod)
            mod.members.append(member)
            mod.ns.update({n: f"{mod.name}.{n}" for n in names})
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    keys = [f"{member.keys[0]}.{n}" for n in _bound(sub)]
                    member.children.append(Member(keys, sub, mod, parent=member))

    @staticmethod
    def _all(mod: Module) -> Iterable[Member]:
        for m in mod.members:
            yield m
            yield from m.children

    def resolve(self, key: str) -> str:
        """Follow imported names to the name that defines them: "lmcore.one_hot" -> "lmcore.losses.one_hot".

        A name imported from a module that is not part of the edition resolves to "!missing:<name>".
        """
        for _ in range(50):
            parts = key.split(".")
            i = next((i for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in self.module_names), 0)
            if i in (0, len(parts)):
                return key  # not in the package, or a module
            members = self.by_key.get(".".join(parts[: i + 1]), [])
            if len(members) != 1 or members[0].target is None:
                return key
            target_module, name = members[0].target
            if target_module not in self.module_names:
                return f"!missing:{target_module}.{name}"
            key = ".".join([target_module, name, *parts[i + 1 :]])
        raise ValueError(f"{key}: import cycle")

    def defined(self, key: str) -> bool:
        return key in self.by_key or key in self.module_names

    def _deps(self, m: Member) -> set[str]:
        if m.target is not None:
            return {self.resolve(m.keys[0])}
        mod, cls = m.module, (m.parent.keys[0] if m.parent else None)
        deps: set[str] = set()
        nodes = [m.node] if not isinstance(m.node, ast.ClassDef) else [
            *m.node.decorator_list, *m.node.bases, *m.node.keywords]
        for node in nodes:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in mod.ns:
                    deps.add(mod.ns[sub.id])
                chain = _chain(sub) if isinstance(sub, ast.Attribute) else None
                if not chain:
                    continue
                if chain[0] in ("self", "cls") and cls is not None:
                    key = cls
                elif chain[0] in mod.ns:
                    key = self.resolve(mod.ns[chain[0]])
                else:
                    continue
                for attr in chain[1:]:
                    nxt = self.resolve(f"{key}.{attr}")
                    if not self.defined(nxt):
                        break
                    deps.add(nxt)
                    key = nxt
        return deps

    def removed(self, forbidden: Iterable[str]) -> set[int]:
        """ids of the members that go: the forbidden names and, transitively, whatever depends on them."""
        gone: set[str] = set()
        for name in forbidden:
            if not name.startswith(f"{self.name}."):
                continue  # not ours to remove (e.g. a torch function)
            key = self.resolve(name)
            if key.endswith(".__init__") and self.defined(key):
                key = key.removesuffix(".__init__")
            if not self.defined(key):
                raise ValueError(f"forbidden name {name!r} is not defined in {self.name} (resolved to {key!r})")
            gone.add(key)
        out: set[int] = set()
        everything = [m for mod in self.modules for m in self._all(mod)]
        changed = True
        while changed:
            changed = False
            for m in everything:
                if id(m) in out:
                    continue
                dead = any(k in gone for k in m.keys) or (m.parent is not None and id(m.parent) in out) or any(
                    d in gone or not self.defined(d) for d in m.deps)
                if not dead and m.children:  # a class without its __init__ or one of its fields is not usable
                    dead = any(id(c) in out and (c.is_field or any(k.endswith(".__init__") for k in c.keys))
                               for c in m.children)
                if dead:
                    out.add(id(m))
                    gone.update(m.keys)
                    changed = True
        return out

    def kept(self, removed: set[int]) -> set[int]:
        """ids of the members the edition keeps: the package __init__'s survivors and everything they need."""
        init = next(mod for mod in self.modules if mod.name == self.name)
        keep: set[int] = set()
        todo = [m for m in init.members if id(m) not in removed]
        while True:
            while todo:
                m = todo.pop()
                if id(m) in keep or id(m) in removed:
                    continue
                keep.add(id(m))
                todo.extend(c for c in m.children)
                if m.parent is not None:
                    todo.append(m.parent)
                for d in m.deps:
                    todo.extend(self.by_key.get(d, []))
            live = {m.module.name for mod in self.modules for m in self._all(mod) if id(m) in keep}
            todo = [m for mod in self.modules if mod.name in live for m in mod.members
                    if not m.keys and m.target is None and id(m) not in keep | removed]  # e.g. registrations
            if not todo:
                return keep

    def edition(self, forbidden: Iterable[str]) -> dict[str, str]:
        """{file name: source} of the kept modules, each its original text minus the lines of what goes."""
        removed = self.removed(forbidden)
        keep = self.kept(removed)
        out: dict[str, str] = {}
        for mod in self.modules:
            if not any(id(m) in keep for m in self._all(mod) if m.keys and not m.keys[0].startswith(f"{mod.name}:")):
                continue
            text = _rewrite(mod, keep, self)
            ast.parse(text, str(mod.path))  # the edition must stay valid Python
            out[mod.path.name] = text
        return out


def _import_text(node: ast.ImportFrom | ast.Import, names: list[ast.alias]) -> str:
    new = type(node)(names=names, **({"module": node.module, "level": node.level} if isinstance(node, ast.ImportFrom)
                                      else {}))
    one = ast.unparse(new)
    if len(one) <= LINE or isinstance(node, ast.Import):
        return one + "\n"
    head = one.split(" import ")[0]
    body = "".join(f"    {ast.unparse(a)},\n" for a in names)
    return f"{head} import (\n{body})\n"


def _rewrite(mod: Module, keep: set[int], pkg: Package) -> str:
    lines = mod.source.splitlines(keepends=True)
    edits: dict[int, tuple[int, str]] = {}  # first line index -> (last line index, replacement)

    def span(node: ast.AST) -> tuple[int, int]:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while start > 0 and lines[start - 1].strip().startswith("#"):
            start -= 1  # a comment right above a removed definition goes with it
        return start, node.end_lineno - 1

    imports: dict[int, list[Member]] = {}
    for m in mod.members:
        if isinstance(m.node, ast.Import | ast.ImportFrom):
            imports.setdefault(id(m.node), []).append(m)
            continue
        if id(m) not in keep:
            if m.node is not mod.tree.body[0] or not isinstance(m.node, ast.Expr):  # the docstring stays
                a, b = span(m.node)
                edits[a] = (b, "")
            continue
        if m.keys == [f"{pkg.name}.__all__"] and isinstance(m.node, ast.Assign):
            names = [n for n in ast.literal_eval(m.node.value) if _id_kept(pkg, mod, n, keep)]
            body = "".join(f'    "{n}",\n' for n in names)
            edits[m.node.lineno - 1] = (m.node.end_lineno - 1, f"__all__ = [\n{body}]\n")
        for c in m.children:
            if id(c) not in keep:
                a, b = span(c.node)
                edits[a] = (b, "")
    for members in imports.values():
        node = members[0].node
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        kept = [a for a, m in zip(node.names, members, strict=True) if id(m) in keep]
        if len(kept) != len(node.names):
            edits[node.lineno - 1] = (node.end_lineno - 1, _import_text(node, kept) if kept else "")
    out, i = [], 0
    while i < len(lines):
        if i in edits:
            last, text = edits[i]
            out.append(text)
            i = last + 1
        else:
            out.append(lines[i])
            i += 1
    text = "".join(out)
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text.rstrip("\n") + "\n"


def _id_kept(pkg: Package, mod: Module, name: str, keep: set[int]) -> bool:
    return any(id(m) in keep for m in pkg.by_key.get(f"{mod.name}.{name}", []))
