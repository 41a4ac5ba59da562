"""models/catalog.py imports every module that declares a collection, so `ensure_indexes` sees them all.

Read from the source with `ast`: a module under models/ declares a collection when a statement at
its top level calls `declare_collection(...)` or `declare_event_carrier(...)`. A module the
catalog left out would get its indexes only if something else happened to import it first.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
CATALOG = MODELS / "catalog.py"
DECLARERS = {"declare_collection", "declare_event_carrier"}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _declares_at_top_level(tree: ast.Module) -> bool:
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # a call in a body runs later, if ever: not a declaration of this module
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and _called_name(node) in DECLARERS:
                return True
    return False


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def declaring_modules() -> set[str]:
    return {
        _module_name(path)
        for path in sorted(MODELS.rglob("*.py"))
        if _declares_at_top_level(ast.parse(path.read_text(), filename=str(path)))
    }


def catalog_imports() -> set[str]:
    tree = ast.parse(CATALOG.read_text(), filename=str(CATALOG))
    imported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module)
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    return imported


def test_the_reader_finds_the_declaring_modules() -> None:
    found = declaring_modules()

    # One of each kind, so that a reader finding nothing cannot pass the test below.
    assert {"models.consultations.documents", "models.common.outbox", "models.moderation.documents"} <= found
    assert "models.common.db" not in found  # `declare_collection = catalog.declare` is no call


def test_the_catalog_imports_every_module_that_declares_a_collection() -> None:
    missing = sorted(declaring_modules() - catalog_imports())

    assert not missing, f"models/catalog.py does not import {missing}: add `import <module>` there"


def test_the_database_module_imports_no_domain() -> None:
    tree = ast.parse((MODELS / "common" / "db.py").read_text())
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert not {name for name in imported if name.startswith("models.")}
