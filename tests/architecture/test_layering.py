"""The layering of DESIGN §1, lint and types, checked inside the test suite."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("studio", "generators")
HEAVY = ("torch", "diffusers", "transformers", "onnxruntime")


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed (it is in the dev extra)"
    return found


def test_import_linter_contracts() -> None:
    result = _run(_tool("lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = _run(_tool("ruff"), "check", *PACKAGES, "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def _python_files() -> list[Path]:
    return [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_heavy_libraries_only_imported_inside_functions(path: Path) -> None:
    """torch, diffusers, transformers load inside the function that needs a neural backend,
    never at module level, so the studio starts fast and runs without them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pending: list[ast.AST] = list(tree.body)
    while pending:  # everything outside function bodies (if/try/class blocks included)
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        bad = [n for n in names if n.split(".")[0] in HEAVY]
        assert not bad, f"{path.name}:{getattr(node, 'lineno', '?')} imports {bad} at module level"
        pending.extend(ast.iter_child_nodes(node))


def test_cli_start_does_not_import_heavy_or_qt_libraries() -> None:
    code = (
        "import sys, studio.cli, studio.session, studio.options, studio.sweep, studio.plugins, "
        "studio.jobs, studio.library.history, studio.library.export;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        f"{(*HEAVY, 'PySide6')!r}]; print(','.join(bad))"
    )
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_every_studio_module_stands_on_a_layer() -> None:
    """A new module under studio/ must be given its place in the layers contract."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {
        f"studio.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "studio").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert modules - placed == set()


def _imports_csv(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "csv" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            return True
    return False


def test_data_tables_have_one_reader() -> None:
    """Emotion assets and generator tables are read by studio.emotion.tables only (one schema
    check, row-numbered errors); the batch front end parses users' CSV files itself."""
    readers = sorted(
        str(p.relative_to(ROOT))
        for base in ("studio", "generators")
        for p in (ROOT / base).rglob("*.py")
        if _imports_csv(p)
    )
    assert [r for r in readers if not r.startswith("studio/batch/")] == ["studio/emotion/tables.py"]


def test_one_studio_home_fixture_and_registries_passed_not_patched() -> None:
    """Test plumbing: the private data folder is one suite-wide fixture, and fake plugins
    reach the code under test as a registry argument (studio.plugins.fakes.registry)."""
    homes, patched = [], []
    for path in (ROOT / "tests").rglob("*.py"):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        if "def studio_home(" in text:
            homes.append(str(path.relative_to(ROOT)))
        if "Registry.__init__" in text or "setattr(Registry" in text:
            patched.append(str(path.relative_to(ROOT)))
    assert homes == ["tests/conftest.py"]
    assert patched == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycles_among_project_modules() -> None:
    """Including imports under TYPE_CHECKING: a cycle there is still a tangle to read."""
    import grimp

    graph = grimp.build_graph(*PACKAGES)
    modules = set(graph.modules)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & modules for m in modules}
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]  # the check works
    assert _cycles(edges) == []
