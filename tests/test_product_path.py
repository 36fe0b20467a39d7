"""The product path (recover/ minus recover/tools) never imports the tooling: the only way in is
the cli's `_tooling`, which imports a tooling module through importlib when its command runs."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import recover

PACKAGE = Path(recover.__file__).parent
TOOLS = "recover.tools"


def product_modules() -> dict[str, Path]:
    """Every module of the product path, by its dotted name."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[:2] == ("recover", "tools"):
            continue
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_names(module: str, path: Path, tree: ast.AST) -> list[tuple[int, str]]:
    """(line, absolute dotted name) of everything the module imports, relative imports resolved."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            names += [(node.lineno, target)] + [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return names


def is_tooling(name: str) -> bool:
    return name == TOOLS or name.startswith(TOOLS + ".")


def dynamic_tooling_imports(tree: ast.AST) -> list[ast.Call]:
    """Calls of importlib.import_module / __import__ whose name starts with recover.tools."""
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in ("importlib.import_module",
                                                                                    "__import__"):
            first = node.args[0]
            head = first.values[0] if isinstance(first, ast.JoinedStr) and first.values else first
            if isinstance(head, ast.Constant) and isinstance(head.value, str) and is_tooling(head.value.rstrip(".")):
                calls.append(node)
    return calls


def test_no_product_module_imports_the_tooling():
    modules = product_modules()
    assert {"recover", "recover.cli", "recover.readers", "recover.batch.run"} <= modules.keys()
    offending = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
                 for module, path in modules.items()
                 for line, name in imported_names(module, path, ast.parse(path.read_text(encoding="utf-8")))
                 if is_tooling(name)]
    assert offending == []


def test_import_resolution_sees_relative_imports_of_the_tooling():
    # the check above is only as good as its resolution of relative imports: prove it catches them
    tree = ast.parse("from ..tools import synth\nfrom .tools.render import pdf_of\nimport recover.tools.hostile")
    names = [name for _, name in imported_names("recover.batch.run", PACKAGE / "batch" / "run.py", tree)]
    assert names.count("recover.tools") == 1 and "recover.tools.synth" in names
    names = [name for _, name in imported_names("recover.cli", PACKAGE / "cli.py", tree)]
    assert "recover.tools.render" in names and "recover.tools.hostile" in names


def test_the_only_way_to_the_tooling_is_the_clis_tooling_call():
    callers = {}
    for module, path in product_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_functions = set()
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                calls = dynamic_tooling_imports(function)
                in_functions |= set(calls)
                if calls:
                    callers[module, function.name] = len(calls)
        assert set(dynamic_tooling_imports(tree)) == in_functions, f"{module} imports the tooling when imported"
    assert callers == {("recover.cli", "_tooling"): 1}


def test_importing_the_product_loads_no_tooling():
    # in a fresh interpreter: every product module imported (but __main__, which runs the command
    # line), then nothing of recover.tools loaded
    names = sorted(set(product_modules()) - {"recover.__main__"})
    assert "recover.cli" in names
    script = ("import importlib, sys\n"
              f"for name in {names!r}:\n"
              "    importlib.import_module(name)\n"
              f"print(sorted(m for m in sys.modules if m == {TOOLS!r} or m.startswith({TOOLS + '.'!r})))")
    # -P: the package this test imported, not a checkout in the current folder (an installed
    # package's recover.models is not in the source tree's recover/)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE.parent), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
