"""README's first command, run as written, prints the summary README shows."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_first_command_gives_the_summary_readme_shows(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "recover batch samples/reports --out out && cat out/summary.csv" in readme
    shown = re.search(r"```text\n(document,path,outcome.*?)```", readme, re.S).group(1)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "recover", "batch", "samples/reports", "--out", str(tmp_path / "out"),
                    "--no-progress"], cwd=ROOT, env=env, check=True)
    assert (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8") == shown


def test_the_python_example_runs_and_gives_what_its_comments_say(tmp_path, monkeypatch):
    import ast
    import shutil
    from decimal import Decimal

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(import recover\n.*?)```", readme, re.S).group(1)
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)  # as from the top of the repository; report.json and .xlsx land here
    names: dict = {}
    checked = 0
    for line in code.splitlines():
        statement, _, comment = line.partition("  # ")
        if not statement.strip():
            continue
        if "=" in statement.split("(")[0] or statement.startswith("import"):
            exec(statement, names)
            continue
        got = eval(statement, names)
        shown = comment.split(":")[0].strip() if not comment.startswith("<") else comment
        if shown.startswith("<"):
            assert repr(got) == shown
        elif shown.startswith("Decimal("):
            assert got == Decimal(shown[9:-2])
        else:
            try:
                assert got == ast.literal_eval(shown)
            except (ValueError, SyntaxError):
                continue
        checked += 1
    assert checked >= 8 and (tmp_path / "report.xlsx").is_file() and (tmp_path / "report.json").is_file()
