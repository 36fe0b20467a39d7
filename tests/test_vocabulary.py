"""One vocabulary: the flag table is the only source of flag names and meanings, and the schema
module the only source of IDs — README, docs/SCHEMA.md and the commands say the same."""
import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from recover import schema
from recover.cells import FLAG_NAMES, FLAGS, CellResult, flags_markdown
from recover.cli import main

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "recover"


def test_readme_prints_the_flag_table():
    assert flags_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_flag_has_a_meaning_and_one_entry():
    names = [f.name for f in FLAGS]
    assert len(names) == len(set(names))
    assert all(f.meaning for f in FLAGS)
    assert {f"identity_broken:{kind}" for kind in schema.IDENTITY_KINDS} <= FLAG_NAMES


def test_a_flag_outside_the_table_is_refused():
    cell = CellResult()
    cell.flag("blank")
    with pytest.raises(ValueError, match="flag table"):
        cell.flag("looks_odd")


def _flag_literals(tree: ast.AST):
    """String constants the code passes as flags: arguments of .flag(...) and of flags.append(...),
    and the strings of a flags tuple given by keyword or as a Reading's third argument.  (Flags
    passed through variables are checked when they are set: CellResult.flag refuses the rest.)"""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        args = []
        if name == "flag" or name == "append" and getattr(func.value, "id", "") in ("flags", "doubt"):
            args = node.args
        elif name in ("Reading", "RowReading") and len(node.args) >= 3:
            args = [node.args[2]]
        args += [k.value for k in node.keywords if k.arg == "flags"]
        for arg in args:
            yield from _strings(arg)


def _strings(node: ast.AST):
    """The string constants an expression can evaluate to (or hold, for a tuple or list)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _strings(element)
    elif isinstance(node, ast.BinOp):  # flags + ("ocr_repaired",)
        yield from _strings(node.left)
        yield from _strings(node.right)


def test_the_code_emits_only_flags_the_table_lists():
    found = set()
    for path in PACKAGE.rglob("*.py"):
        found |= set(_flag_literals(ast.parse(path.read_text(encoding="utf-8"))))
    assert found, "no flag literal found: the scan is broken"
    assert found - FLAG_NAMES == set()


def test_recover_flags_lists_the_table():
    result = CliRunner().invoke(main, ["flags", "--json"])
    assert result.exit_code == 0
    assert [f["name"] for f in json.loads(result.output)] == [f.name for f in FLAGS]
    assert CliRunner().invoke(main, ["flags", "--markdown"]).output.strip() == flags_markdown()


def _documented_rows() -> dict[str, set[str]]:
    """Row IDs of each table as docs/SCHEMA.md lists them (first column of its row tables)."""
    rows: dict[str, set[str]] = {}
    table = None
    for line in (ROOT / "docs" / "SCHEMA.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## Table `(\w+)`", line)
        if heading:
            table = heading.group(1)
        elif line.startswith("## "):
            table = None
        m = re.match(r"\| `([\w.]+)` \|", line)
        if table and m:
            rows.setdefault(table, set()).add(m.group(1))
    return rows


def test_docs_schema_lists_exactly_the_rows_of_the_schema_module():
    documented = _documented_rows()
    for table in schema.TABLES:
        in_code = {r.id for t in schema.TEMPLATES for r in schema.rows(t, table)}
        assert documented[table] == in_code, table


def test_docs_schema_names_every_column_identity_and_output_column():
    text = (ROOT / "docs" / "SCHEMA.md").read_text(encoding="utf-8")
    columns = {c.id for t in schema.TEMPLATES for r in schema.rows(t) for c in r.columns}
    assert all(f"`{c}`" in text for c in columns)
    assert all(f"`{c}`" in text for c in schema.CSV_COLUMNS)
    assert len(re.findall(r"^\d\. ", text.split("## Identities")[1].split("##")[0], re.M)) == 6


def test_recover_schema_prints_the_contract():
    data = json.loads(CliRunner().invoke(main, ["schema", "--json"]).output)
    assert set(data["templates"]) == set(schema.TEMPLATES)
    assert [r["row"] for r in data["templates"]["2019"]["requests"]][-1] == "carried_forward"
    assert data["cells_csv"] == list(schema.CSV_COLUMNS)
    assert set(data["statuses"]) == {"printed", "inferred", "unknown", "reviewed"}
    text = CliRunner().invoke(main, ["schema", "--template", "2021"]).output
    assert "other.no_correction" in text and "procurement" not in text
