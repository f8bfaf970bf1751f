"""The layering of docs/design.md: lower layers never import higher ones.

Every module of the package is imported, and its imports (top level and
inside functions alike) are read from its source with ``ast``; each may name
only the layers its own layer is allowed. The table below is the one place
the layering is written down in code; docs/design.md shows the same table.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import pytest

import t1dtrial

#: Modules at the package top every layer may use: the version, our exceptions and
#: problems (``errors``), the argument checks (``_validation``), writing an output folder whole or not at all (``outputs``),
#: work in a forked child process (``_fork``).
SHARED = frozenset({"t1dtrial", "errors", "_validation", "outputs", "_fork"})

#: Layer -> the layers of ours it may import (besides :data:`SHARED`).
ALLOWED: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "_validation": frozenset(),
    "outputs": frozenset(),
    "_fork": frozenset(),
    "protocol": frozenset(),
    "stats": frozenset(),
    "data": frozenset({"protocol"}),
    "datasets": frozenset({"data", "protocol"}),
    "store": frozenset({"data", "protocol"}),
    "derive": frozenset({"data", "protocol"}),
    "simulate": frozenset({"derive", "data", "protocol"}),
    "analysis": frozenset({"derive", "stats", "data", "protocol"}),
    "report": frozenset({"analysis", "store", "datasets", "derive", "stats", "data", "protocol"}),
    "design": frozenset({"simulate", "analysis", "derive", "stats", "data", "protocol"}),
    "cli": frozenset({"design", "report", "analysis", "simulate", "store", "datasets", "derive",
                      "stats", "data", "protocol"}),
    "__main__": frozenset({"cli"}),
}

#: What the shared modules themselves may import (nothing above them).
SHARED_IMPORTS = {"t1dtrial": frozenset(), "errors": frozenset(),
                  "_validation": frozenset({"errors"}),
                  "outputs": frozenset({"errors", "_validation", "t1dtrial"}),
                  "_fork": frozenset()}

ROOT = Path(t1dtrial.__file__).parent
MODULES = sorted(m.name for m in pkgutil.walk_packages([str(ROOT)], prefix="t1dtrial."))


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "t1dtrial"


def _source(module: str) -> tuple[Path, bool]:
    """The file of a module and whether it is a package's ``__init__``."""
    rel = Path(*module.split(".")[1:])
    init = ROOT / rel / "__init__.py"
    return (init, True) if init.exists() else (ROOT / rel.with_suffix(".py"), False)


def imported_layers(module: str) -> dict[str, set[str]]:
    """Layer of ours -> the names of ``module`` that import it (``ast``, lazy imports included)."""
    path, is_package = _source(module)
    package = module.split(".") if is_package else module.split(".")[:-1]
    out: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[list[str]] = []
        if isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            # ``from .. import __version__`` names an attribute, ``from . import x`` a module
            targets = [target + [a.name] if not node.module and
                       (ROOT.joinpath(*target[1:], a.name).exists()
                        or ROOT.joinpath(*target[1:], f"{a.name}.py").exists())
                       else target for a in node.names]
        for target in targets:
            if target[0] != "t1dtrial":
                continue
            layer = target[1] if len(target) > 1 else "t1dtrial"
            out.setdefault(layer, set()).add(".".join(target))
    return out


def test_every_subpackage_and_top_module_has_a_row_in_the_table():
    tops = {p.stem for p in ROOT.iterdir()
            if (p.is_dir() and (p / "__init__.py").exists()) or
            (p.suffix == ".py" and p.stem != "__init__")}
    assert tops - set(ALLOWED) == set()


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_only_lower_layers(module):
    if module != "t1dtrial.__main__":  # that one runs the command line
        importlib.import_module(module)
    layer = _layer(module)
    allowed = (SHARED_IMPORTS[layer] if layer in SHARED_IMPORTS else ALLOWED[layer] | SHARED) | {layer}
    wrong = {k: sorted(v) for k, v in imported_layers(module).items() if k not in allowed}
    assert wrong == {}, f"{module} ({layer}) imports {wrong}; allowed: {sorted(allowed)}"


def test_the_package_root_imports_nothing_of_ours():
    assert set(imported_layers("t1dtrial")) <= {"t1dtrial"}


def test_the_checker_sees_a_lazy_import_of_a_higher_layer(tmp_path, monkeypatch):
    """The check reads imports inside functions too (``data`` once read the store that way)."""
    import t1dtrial.data.trial as trial_module

    source = Path(trial_module.__file__).read_text(encoding="utf-8")
    fake = tmp_path / "t1dtrial" / "data"
    fake.mkdir(parents=True)
    (fake / "trial.py").write_text(source + "\n\ndef f():\n    from ..store import read_trial\n",
                                   encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "t1dtrial")
    assert "store" in imported_layers("t1dtrial.data.trial")
