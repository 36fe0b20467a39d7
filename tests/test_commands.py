"""The commands a newcomer tries first: `recover show` prints a report's tables as printed with
the doubtful cells marked; commands that would quietly do nothing, or fail raw, say what to do."""
from click.testing import CliRunner
from conftest import FIXTURES, REAL

from recover.cli import main


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], terminal_width=160)


def test_show_prints_the_three_tables_as_printed_with_doubts_marked():
    result = _run("show", REAL / "207_jiande-transport-2021.txt")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "cut off after 行政许可: 193 cells not printed" in out
    for title in ("二、主动公开", "三、依申请公开", "四、复议诉讼", "（三）不予公开", "（六）其他处理", "行政诉讼", "复议后起诉"):
        assert title in out
    assert "723" in out and "?" in out  # printed, and unknown marked
    assert "193 cells in doubt" in out and "the document ends before this cell" in out


def test_show_marks_a_flagged_cell_and_says_why_a_file_is_not_read():
    out = _run("show", REAL / "102_pingtan-2020.html").output
    assert "21*" in out and "identity_broken:requests_col_total" in out
    result = _run("show", FIXTURES / "hostile" / "budget.txt")
    assert result.exit_code == 1 and "none of the three standard tables was found (not_a_report)" in result.output
