"""The library as other ingestion tools call it."""
import csv
import io


import recover
from recover.schema import CSV_COLUMNS


def test_recover_file_returns_cells_statuses_flags_frame_and_dict(real_dir):
    report = recover.recover_file(real_dir / "301_huaian-gov-2024.pdf")
    assert report.template == "2021" and report.outcome == "ok"
    assert report.value("active/penalties/decisions") == 3985758
    frame = report.to_frame()
    assert list(frame.columns) == list(CSV_COLUMNS) and len(frame) == 200
    assert frame.loc[frame["row"] == "penalties", "value"].item() == 3985758
    data = report.to_dict()
    assert data["cells"]["requests/new/total"] == {"value": 3119, "status": "printed",
                                                   "confidence": data["cells"]["requests/new/total"]["confidence"],
                                                   "flags": [], "printed": "3119", "alternatives": [],
                                                   "source": {"page": 4, "bbox": [486.4, 456.5, 520.0, 480.7]}}
    assert report.table("appeals")["review"]["total"] == 351


def test_recover_text_and_records_match_the_csv_contract(real_dir):
    report = recover.recover_text((real_dir / "209_bj-tongzhou-bureau-2019.txt").read_text(), "209.txt")
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(report.records())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 198 and rows[0]["document"] == "209.txt" and rows[0]["template"] == "2019"
    assert {r["status"] for r in rows} <= {"printed", "inferred", "unknown"}
    penalties = next(r for r in rows if r["row"] == "penalties" and r["col"] == "change")
    assert penalties["value"] == "-253" and penalties["flags"] == "" and penalties["status"] == "printed"


def test_the_library_prints_nothing(capsys, real_dir):
    recover.recover_file(real_dir / "002_pingtan-2021-flat.txt")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_agency_and_year_come_from_the_first_title():
    from recover.agency import agency_and_year

    # a title broken over two lines, named again in the first sentence
    assert agency_and_year("孝感市人民政府办公室\n2020年政府信息公开工作年度报告\n根据要求，现公开孝感市人民政府办公室"
                           "2020年政府信息公开工作年度报告。") == ("孝感市人民政府办公室", 2020)
    # a link's text on the line above a title is not part of the agency
    assert agency_and_year("下一篇\n某县交通运输局2022年政府信息公开工作年度报告") == ("某县交通运输局", 2022)
    assert agency_and_year("淮安市人民政府2024年政府信息公开工作年度报告") == ("淮安市人民政府", 2024)
