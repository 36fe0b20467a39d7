"""Who published a report and for which year, read from its title and text.

Used to line up an agency's reports of successive years (identity 5: this year's 上年结转 is
last year's 结转下年度).  A batch manifest can say it instead, where a title does not.
"""
from __future__ import annotations

import re

from .values import normalize

_REPORT = r"(?:政府|政务)?信息公开(?:工作)?(?:年度)?报告"
_AGENCY = r"[\u3400-\u9fff()·、]{2,40}?"
_TITLE = re.compile(rf"(?P<agency>{_AGENCY})(?P<year>20\d\d)年度?的?{_REPORT}")
_YEAR_FIRST = re.compile(rf"(?P<year>20\d\d)年度?(?P<agency>{_AGENCY}){_REPORT}")
_YEAR_ONLY = re.compile(rf"(?P<year>20\d\d)年度?{_REPORT}")
_PERIOD = re.compile(r"(?:统计期限|统计时限|统计时间)[^。]{0,12}?(?P<year>20\d\d)年1月1日")
_NOISE = ("标题", "关于", "发布", "印发", "首页", "位置", "年报", "信息公开")  # page furniture before a title


def agency_and_year(text: str) -> tuple[str, int | None]:
    """The agency and the year a report names in its title (or its statistics period)."""
    head = normalize(text[:6000])
    # The first title in the text, read within its line where it fits on one (a link's text on
    # the line above is not part of it) and across lines where it is broken over two.
    found = []
    for across, joined in enumerate((re.sub(r"[^\S\n]+", "", head), re.sub(r"\s+", "", head))):
        for rank, pattern in enumerate((_TITLE, _YEAR_FIRST)):
            m = pattern.search(joined)
            if m:  # where it ends (newlines aside); then agency before year; then within one line
                found.append((m.end() - joined.count("\n", 0, m.end()), rank, across, m))
    if found:
        m = min(found, key=lambda f: f[:3])[3]
        agency = m["agency"]
        for noise in _NOISE:
            agency = agency.split(noise)[-1]
        return agency.strip(":、"), int(m["year"])
    m = _YEAR_ONLY.search(head) or _PERIOD.search(re.sub(r"\s+", "", normalize(text[:20000])))
    return "", int(m["year"]) if m else None
