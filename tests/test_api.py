"""The library as other ingestion tools call it."""
import csv
import io

from conftest import REAL

import recover
from recover.report import CSV_COLUMNS


def test_recover_file_returns_cells_statuses_flags_frame_and_dict():
    report = recover.recover_file(REAL / "301_huaian-gov-2024.pdf")
    assert report.template == "2021" and report.outcome == "ok"
    assert report.value("active/penalties/decisions") == 3985758
    frame = report.to_frame()
    assert list(frame.columns) == list(CSV_COLUMNS) and len(frame) == 200
    assert frame.loc[frame["row"] == "penalties", "value"].item() == 3985758
    data = report.to_dict()
    assert data["cells"]["requests/new/total"] == {"value": "3119", "status": "printed",
                                                   "confidence": data["cells"]["requests/new/total"]["confidence"],
                                                   "flags": [], "printed": "3119"}
    assert report.table("appeals")["review"]["total"] == 351


def test_recover_text_and_records_match_the_csv_contract():
    report = recover.recover_text((REAL / "209_bj-tongzhou-bureau-2019.txt").read_text(), "209.txt")
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(report.records())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 198 and rows[0]["document"] == "209.txt" and rows[0]["template"] == "2019"
    assert {r["status"] for r in rows} <= {"printed", "inferred", "unknown"}
    penalties = next(r for r in rows if r["row"] == "penalties" and r["col"] == "change")
    assert penalties["value"] == "-253" and "sign_garbled" in penalties["flags"].split(";")


def test_the_library_prints_nothing(capsys):
    recover.recover_file(REAL / "002_pingtan-2021-flat.txt")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
