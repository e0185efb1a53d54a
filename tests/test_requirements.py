"""requirements.txt is what the app needs at run time; the test and development tools live in
requirements-dev.txt, so production installs neither Playwright nor schemathesis."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "playwright", "schemathesis", "hypothesis", "ruff", "bandit"}


def _names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            names.add(re.split(r"[=<>~!\[; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def _top_level_imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"app", "__future__"}


def test_runtime_requirements_hold_no_test_or_dev_tool():
    runtime = _names(ROOT / "requirements.txt")
    assert not runtime & DEV_TOOLS, f"dev tools in requirements.txt: {sorted(runtime & DEV_TOOLS)}"
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev
    assert DEV_TOOLS <= _names(ROOT / "requirements-dev.txt")


def test_every_package_the_app_imports_is_a_runtime_requirement():
    runtime = _names(ROOT / "requirements.txt")
    owners = packages_distributions()
    missing = {}
    for module in _top_level_imports(ROOT / "app") | _top_level_imports(ROOT / "migrations"):
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        assert dists, f"{module} is imported by the app but no installed package provides it"
        if not dists & runtime:
            missing[module] = sorted(dists)
    assert not missing, f"imported by the app but only in requirements-dev.txt: {missing}"
