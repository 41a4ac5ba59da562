"""Every domain under models/ has the same files, so one domain read is every domain found.

A package under models/ (models/common excepted: it is shared plumbing, not a domain) has:
`documents.py` (collections, indexes, document types), `repository.py` (reads), `policy.py` (who
may), `errors.py` (its DomainError subclasses), `events.py` (its outbox event payloads), and its
commands: `service.py`, or — where the commands are split by meaning, as in moderation's `queue.py`
and `decisions.py` — at least one other module that writes to a collection (calls `insert_one`,
`update_one`, … as tests/architecture/test_ownership.py lists them). Any of the named files may be
a package instead (`repository/__init__.py`) when one file would pass ~400 lines. A file with
nothing to hold yet says so in its docstring ("Departments emit no outbox events yet"). A domain
declares its collections in `documents.py` only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.architecture.test_catalog import declaring_modules
from tests.architecture.test_ownership import WRITES

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
SHARED = {"common"}
REQUIRED = ("documents", "repository", "policy", "errors", "events")
NOT_COMMANDS = {"__init__", *REQUIRED}


def domains() -> list[Path]:
    return sorted(
        path
        for path in MODELS.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in SHARED
    )


def _has(domain: Path, name: str) -> bool:
    return (domain / f"{name}.py").is_file() or (domain / name / "__init__.py").is_file()


def _writes_to_a_collection(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
        for node in ast.walk(tree)
    )


def command_modules(domain: Path) -> list[str]:
    """The modules of `domain` outside the required files that write to a collection."""
    return sorted(
        path.stem
        for path in domain.glob("*.py")
        if path.stem not in NOT_COMMANDS and _writes_to_a_collection(path)
    )


def test_the_domains_are_found() -> None:
    # So that a reader finding nothing cannot pass the tests below.
    assert {"consultations", "identity", "moderation", "notifications"} <= {d.name for d in domains()}


@pytest.mark.parametrize("domain", domains(), ids=lambda domain: domain.name)
def test_a_domain_has_every_file(domain: Path) -> None:
    missing = [f"{name}.py" for name in REQUIRED if not _has(domain, name)]

    assert not missing, f"models/{domain.name}/ lacks {missing}: see this test's docstring"


@pytest.mark.parametrize("domain", domains(), ids=lambda domain: domain.name)
def test_a_domain_has_its_commands(domain: Path) -> None:
    assert _has(domain, "service") or command_modules(domain), (
        f"models/{domain.name}/ has no service.py and no other module that writes to a collection"
    )


def test_a_domain_declares_its_collections_in_documents_only() -> None:
    names = {domain.name for domain in domains()}
    parts = [module.split(".") for module in declaring_modules()]
    elsewhere = sorted(".".join(p) for p in parts if p[1] in names and p[2:] != ["documents"])

    assert not elsewhere, f"{elsewhere} declare collections: move them to the domain's documents.py"
