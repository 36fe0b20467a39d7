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
