"""The owner of a collection is its only writer, and moderation knows content only through its registry.

Read from the source with `ast`: a collection is declared (`X = declare_collection(...)` or
`declare_event_carrier(...)`) in one package under models/; a write (`insert_one`, `update_one`,
…) on `X.of(db)` — directly or through a local variable holding it — from a module of another
package fails here. A kind of content is written by its owner, which moderation calls back
through `models/moderation/content_kinds.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"

DECLARERS = {"declare_collection", "declare_event_carrier", "declare"}
WRITES = {
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
    "replace_one",
    "delete_one",
    "delete_many",
    "bulk_write",
}

# Writes a package makes to a collection another package declares, each with why. Keep it empty:
# the way out is a function of the owner that the writer calls, or a registered callback.
ALLOWED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Write:
    module: str
    line: int
    collection: str  # the constant's name, e.g. COMMENTS


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(MODELS.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        yield name.removesuffix(".__init__"), ast.parse(path.read_text(), filename=str(path))


def _package(module: str) -> str:
    """`models.consultations.comments` -> `models.consultations`; top-level modules are their own."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _declared_name(node: ast.stmt) -> str | None:
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    target, value = node.targets[0], node.value
    if not isinstance(target, ast.Name) or not isinstance(value, ast.Call):
        return None
    func = value.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return target.id if called in DECLARERS else None


def _declarations() -> dict[str, str]:
    """Each collection constant's name and the module declaring it."""
    declared: dict[str, str] = {}
    for module, tree in _modules():
        for node in tree.body:
            name = _declared_name(node)
            if name is not None:
                assert name not in declared, f"{name} is declared in {declared[name]} and {module}"
                declared[name] = module
    return declared


def _spec_of(node: ast.expr) -> str | None:
    """The constant's name in `X.of(db)` or `module.X.of(db)`."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "of"):
        return None
    spec = node.func.value
    if isinstance(spec, ast.Name):
        return spec.id
    if isinstance(spec, ast.Attribute):
        return spec.attr
    return None


def _write_call(node: ast.AST) -> ast.expr | None:
    """The receiver of a write method call (`<receiver>.update_one(...)`), else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
        return node.func.value
    return None


def _writes(module: str, tree: ast.Module, aliases: dict[str, str]) -> Iterator[Write]:
    """The collection writes in `tree`; `aliases` maps imported names (`as`) to the originals."""
    for node in ast.walk(tree):
        receiver = _write_call(node)
        spec = None if receiver is None else _spec_of(receiver)
        if spec is not None:
            yield Write(module, node.lineno, aliases.get(spec, spec))
    functions = (n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef))
    for function in functions:
        held: dict[str, str] = {}  # a local variable holding `X.of(db)`: `people = PEOPLE.of(db)`
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, spec = node.targets[0], _spec_of(node.value)
                if isinstance(target, ast.Name) and spec is not None:
                    held[target.id] = spec
        for node in ast.walk(function):
            receiver = _write_call(node)
            if isinstance(receiver, ast.Name) and receiver.id in held:
                spec = held[receiver.id]
                yield Write(module, node.lineno, aliases.get(spec, spec))


def _aliases(tree: ast.Module) -> dict[str, str]:
    return {
        alias.asname: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname
    }


def test_only_the_declaring_package_writes_a_collection() -> None:
    declared = _declarations()
    assert {"COMMENTS", "PEOPLE", "MODERATION_ITEMS"} <= declared.keys()  # the scan finds declarations
    found: set[Write] = set()
    for module, tree in _modules():
        found.update(_writes(module, tree, _aliases(tree)))
    assert any(write.collection == "COMMENTS" for write in found)  # and writes
    foreign = sorted(
        f"{write.module}:{write.line} writes {write.collection} (declared in {declared[write.collection]})"
        for write in found
        if write.collection in declared
        and _package(write.module) != _package(declared[write.collection])
        and (_package(write.module), write.collection) not in ALLOWED
    )
    assert not foreign, "a collection is written outside the package that declares it:\n" + "\n".join(foreign)


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_moderation_imports_no_content_owner() -> None:
    """Consultations and identity call moderation (registry, hold_for_review, screening), never
    the other way round: moderation reaches their content through the registered callbacks."""
    owners = ("models.consultations", "models.identity")
    found = sorted(
        f"{module} imports {imported}"
        for module, tree in _modules()
        if module.startswith("models.moderation")
        for imported in set(_imports(tree))
        if imported.startswith(owners)
    )
    assert not found, "\n".join(found)


def test_common_plumbing_imports_no_domain() -> None:
    """models/common is what every domain builds on; a domain import there would tie them all."""
    found = sorted(
        f"{module} imports {imported}"
        for module, tree in _modules()
        if module.startswith("models.common")
        for imported in set(_imports(tree))
        if imported.startswith("models.") and not imported.startswith("models.common")
    )
    assert not found, "\n".join(found)
