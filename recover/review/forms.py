"""The three tables laid out as the official form prints them, for the review page: header rows
with their merged cells, group headings such as （三）不予公开, and the appeals table as one row of
fifteen numbers under its two-level header.  Every label comes from :mod:`recover.schema`."""
from __future__ import annotations

from functools import lru_cache
from typing import Any
from itertools import groupby

from .. import schema


def _head(text: str, colspan: int = 1, rowspan: int = 1) -> dict[str, Any]:
    return {"text": text, "colspan": colspan, "rowspan": rowspan}


@lru_cache(maxsize=None)
def form(template: str) -> tuple[dict, ...]:
    """Per table: its title and blocks, each block header rows (lists of heads) and body rows,
    a body row being ``{"heading": text}`` or ``{"label": text, "cells": [table/row/col, ...]}``
    (the appeals block has no label column)."""
    return (_active(template), _requests(template), _appeals())


def _active(template: str) -> dict:
    blocks: list[dict[str, Any]] = []
    # Rows printed under one header are the consecutive rows with the same columns.
    for columns, group in groupby(schema.rows(template, "active"), key=lambda r: r.columns):
        rows = list(group)
        blocks.append({"header": [[_head("信息内容")] + [_head(c.label) for c in columns]],
                       "rows": [{"label": r.label, "cells": [f"{r.key}/{c.id}" for c in columns]} for r in rows]})
    return {"table": "active", "title": f"二、{schema.TABLE_TITLES['active']}", "blocks": blocks}


def _requests(template: str) -> dict:
    columns = schema.REQUEST_COLUMNS
    header = [
        [_head("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3),
         _head("申请人情况", colspan=len(columns))],
        [_head(columns[0].label, rowspan=2), _head("法人或其他组织", colspan=len(columns) - 2),
         _head(columns[-1].label, rowspan=2)],
        [_head(c.label) for c in columns[1:-1]],
    ]
    body: list[dict] = []
    heading = ""
    for r in schema.rows(template, "requests"):
        if r.parent and r.parent != heading:
            body.append({"heading": r.parent})
        heading = r.parent
        body.append({"label": r.label, "cells": [f"{r.key}/{c.id}" for c in columns]})
    return {"table": "requests", "title": f"三、{schema.TABLE_TITLES['requests']}",
            "blocks": [{"header": header, "rows": body}]}


def _appeals() -> dict:
    columns = schema.APPEAL_COLUMNS
    review, *litigation = schema.APPEAL_ROWS
    header = [
        [_head(review.label, colspan=len(columns), rowspan=2), _head(litigation[0].parent, colspan=2 * len(columns))],
        [_head(r.label, colspan=len(columns)) for r in litigation],
        [_head(c.label) for _ in schema.APPEAL_ROWS for c in columns],
    ]
    cells = list(schema.printed_cells("2021", schema.APPEALS_AS_ONE_ROW))
    return {"table": "appeals", "title": f"四、{schema.TABLE_TITLES['appeals']}",
            "blocks": [{"header": header, "rows": [{"cells": cells}], "unlabelled": True}]}
