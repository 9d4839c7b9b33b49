"""The application's source read as syntax trees: which functions take a case reference, what
they call (names resolved through imports and re-exports), which actions they ask the one
loader for, and where anything else loads a case. For tests that keep every path on the loader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from casework.services.access import Action

ROOT = Path(__file__).resolve().parents[1]
LOADER = "casework.services.access.cases.open_case"
REFERENCE_PARAMS = ("reference", "ref")
CASE_MODEL = {"casework.models.Case", "casework.models.cases.Case"}


@dataclass(frozen=True)
class Module:
    """One parsed module and the names it binds at top level (imports and definitions)."""

    name: str
    tree: ast.Module
    names: dict[str, str]


@dataclass(frozen=True)
class Function:
    """A module-level function."""

    module: Module
    node: ast.FunctionDef

    @property
    def qualname(self) -> str:
        return f"{self.module.name}.{self.node.name}"

    @property
    def params(self) -> list[str]:
        args = self.node.args
        return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]

    @property
    def reference_param(self) -> str | None:
        return next((p for p in self.params if p in REFERENCE_PARAMS), None)

    def calls(self) -> Iterator[tuple[str, ast.Call]]:
        """Every call in the body, with the dotted name it resolves to (where it does)."""
        for node in ast.walk(self.node):
            if isinstance(node, ast.Call) and (target := self.module_resolve(node.func)):
                yield resolve(target), node

    def module_resolve(self, func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return self.module.names.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            base = self.module.names.get(func.value.id)
            return f"{base}.{func.attr}" if base else None
        return None


def _dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _names(name: str, tree: ast.Module, is_package: bool) -> dict[str, str]:
    names: dict[str, str] = {}
    package = name if is_package else name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                base = ".".join(anchor[:len(anchor) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names[node.name] = f"{name}.{node.name}"
    return names


@cache
def modules(*folders: str) -> dict[str, Module]:
    """Every module under the folders (e.g. "casework/services"), by dotted name."""
    found = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = _dotted(path)
            tree = ast.parse(path.read_text(), str(path))
            found[name] = Module(name, tree, _names(name, tree, path.name == "__init__.py"))
    return found


def everything() -> dict[str, Module]:
    """The application's modules (for following re-exports)."""
    return modules("casework")


def resolve(dotted: str) -> str:
    """Follow re-exports: `casework.services.access.open_case` is the one in `access.cases`."""
    seen = set()
    known = everything()
    while dotted not in seen:
        seen.add(dotted)
        module, _, name = dotted.rpartition(".")
        target = known[module].names.get(name) if module in known else None
        if target is None or target == dotted:
            return dotted
        dotted = target
    return dotted


def functions(*folders: str) -> dict[str, Function]:
    """The module-level functions under the folders, by qualified name."""
    return {f"{m.name}.{node.name}": Function(m, node)
            for m in modules(*folders).values() for node in m.tree.body
            if isinstance(node, ast.FunctionDef)}


def passes_reference(call: ast.Call, callee: Function, reference: str) -> bool:
    """Whether the call hands the caller's `reference` parameter to the callee's."""
    slot = callee.reference_param
    if slot is None:
        return False
    index = callee.params.index(slot)
    given = call.args[index] if index < len(call.args) else next(
        (k.value for k in call.keywords if k.arg == slot), None)
    return isinstance(given, ast.Name) and given.id == reference


def loading_functions(known: dict[str, Function]) -> set[str]:
    """The functions that take a reference and hand it to the loader, directly or through
    another function that does (a fixed point over the call graph)."""
    loaders = {LOADER}
    changed = True
    while changed:
        changed = False
        for name, function in known.items():
            reference = function.reference_param
            if name in loaders or reference is None:
                continue
            if any(target in loaders and passes_reference(call, known[target], reference)
                   for target, call in function.calls()):
                loaders.add(name)
                changed = True
    return loaders


def loader_actions(known: dict[str, Function]) -> set[Action]:
    """The actions some function asks the loader for (no `need` is Action.SEE)."""
    asked = set()
    for function in known.values():
        for target, call in function.calls():
            if target != LOADER:
                continue
            need = call.args[3] if len(call.args) > 3 else next(
                (k.value for k in call.keywords if k.arg == "need"), None)
            if need is None:
                asked.add(Action.SEE)
            else:
                assert isinstance(need, ast.Attribute), ast.unparse(call)
                asked.add(Action[need.attr])
    return asked


def case_loads(*folders: str) -> set[tuple[str, str]]:
    """Where a case is selected by reference or fetched with `session.get(Case, ...)`, as
    (module, enclosing top-level function); "<module>" for module level."""
    found = set()
    for module in modules(*folders).values():
        for top in module.tree.body:
            where = top.name if isinstance(top, ast.FunctionDef | ast.ClassDef) else "<module>"
            if any(_loads_case(module, node) for node in ast.walk(top)):
                found.add((module.name, where))
    return found


FILTERS = {"in_", "like", "ilike", "startswith"}


def _is_case(module: Module, node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in module.names \
        and resolve(module.names[node.id]) in CASE_MODEL


def _case_reference(module: Module, node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "reference" \
        and _is_case(module, node.value)


def _loads_case(module: Module, node: ast.AST) -> bool:
    """`Case.reference` compared or matched in a filter, or `<session>.get(Case, ...)`."""
    if isinstance(node, ast.Compare):
        return any(_case_reference(module, side) for side in [node.left, *node.comparators])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "get" and node.args and _is_case(module, node.args[0]):
            return True
        return node.func.attr in FILTERS and _case_reference(module, node.func.value)
    return False
