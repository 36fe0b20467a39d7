"""The standard matrix: the single source of every canonical ID, official label and identity.

Everything else in the package asks this module which tables, rows, columns and
identities exist; nothing else spells them out.  The contract is ``docs/SCHEMA.md`` (printed
by ``recover schema``): a cell is named ``table/row/col``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

TEMPLATES = ("2021", "2019")
TABLES = ("active", "requests", "appeals")

# cells.csv's columns, exactly as the output contract names them.
CSV_COLUMNS = ("document", "template", "table", "row", "col", "value", "status", "confidence", "flags")
# What a batch can write besides each document's JSON: cells.csv and summary.csv (always), cells.parquet,
# wide.csv (and wide.parquet with parquet), a workbook a document.
BATCH_FORMATS = ("csv", "parquet", "wide", "xlsx")

TABLE_TITLES = {
    "active": "主动公开政府信息情况",
    "requests": "收到和处理政府信息公开申请情况",
    "appeals": "政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class Column:
    id: str
    label: str


@dataclass(frozen=True)
class Row:
    table: str
    id: str
    label: str
    columns: tuple[Column, ...]
    templates: tuple[str, ...] = TEMPLATES
    # Other wordings seen in published reports; used by the synthetic generator.
    aliases: tuple[str, ...] = ()
    # The heading a sub-row sits under, e.g. （三）不予公开 for withheld.* rows.
    parent: str = ""

    @property
    def key(self) -> str:
        return f"{self.table}/{self.id}"


# --- columns ---------------------------------------------------------------

_ISSUED = (
    Column("issued", "本年制发件数"),
    Column("repealed", "本年废止件数"),
    Column("in_force", "现行有效件数"),
)
_DECISIONS_2021 = (Column("decisions", "本年处理决定数量"),)
_FEE_2021 = (Column("amount", "本年收费金额（单位：万元）"),)
_MADE = (
    Column("made", "本年新制作数量"),
    Column("published", "本年新公开数量"),
    Column("total_published", "对外公开总数量"),
)
_ITEMS_2019 = (
    Column("prior_count", "上一年项目数量"),
    Column("change", "本年增/减"),
    Column("decisions", "处理决定数量"),
)
_FEE_2019 = _ITEMS_2019[:2]
_PROCUREMENT = (
    Column("items", "采购项目数量"),
    Column("amount", "采购总金额（单位：万元）"),
)
REQUEST_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("business", "商业企业"),
    Column("research", "科研机构"),
    Column("nonprofit", "社会公益组织"),
    Column("legal_service", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
APPEAL_COLUMNS = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)

# --- rows, in the order the official form prints them ---------------------

_A21 = ("2021",)
_A19 = ("2019",)

ACTIVE_ROWS = (
    Row("active", "regulations", "规章", _ISSUED, _A21),
    Row("active", "normative_documents", "行政规范性文件", _ISSUED, _A21, ("规范性文件",)),
    Row("active", "licensing", "行政许可", _DECISIONS_2021, _A21),
    Row("active", "penalties", "行政处罚", _DECISIONS_2021, _A21),
    Row("active", "enforcement", "行政强制", _DECISIONS_2021, _A21),
    Row("active", "fees", "行政事业性收费", _FEE_2021, _A21),
    Row("active", "regulations", "规章", _MADE, _A19),
    Row("active", "normative_documents", "规范性文件", _MADE, _A19, ("行政规范性文件",)),
    Row("active", "licensing", "行政许可", _ITEMS_2019, _A19),
    Row("active", "other_services", "其他对外管理服务事项", _ITEMS_2019, _A19),
    Row("active", "penalties", "行政处罚", _ITEMS_2019, _A19),
    Row("active", "enforcement", "行政强制", _ITEMS_2019, _A19),
    Row("active", "fees", "行政事业性收费", _FEE_2019, _A19),
    Row("active", "procurement", "政府集中采购", _PROCUREMENT, _A19),
)

_W = "（三）不予公开"
_U = "（四）无法提供"
_R = "（五）不予处理"
_O = "（六）其他处理"
_RC = REQUEST_COLUMNS

REQUEST_ROWS = (
    Row("requests", "new", "一、本年新收政府信息公开申请数量", _RC),
    Row("requests", "carried_over", "二、上年结转政府信息公开申请数量", _RC),
    Row("requests", "granted", "（一）予以公开", _RC, parent="三、本年度办理结果"),
    Row("requests", "partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", _RC,
        aliases=("（二）部分公开",), parent="三、本年度办理结果"),
    Row("requests", "withheld.state_secret", "1.属于国家秘密", _RC, parent=_W),
    Row("requests", "withheld.law_prohibited", "2.其他法律行政法规禁止公开", _RC,
        aliases=("2.其他法律法规禁止公开",), parent=_W),
    Row("requests", "withheld.security_stability", "3.危及“三安全一稳定”", _RC,
        aliases=("3.危及\"三安全一稳定\"",), parent=_W),
    Row("requests", "withheld.third_party", "4.保护第三方合法权益", _RC, parent=_W),
    Row("requests", "withheld.internal_affairs", "5.属于三类内部事务信息", _RC, parent=_W),
    Row("requests", "withheld.process_info", "6.属于四类过程性信息", _RC, parent=_W),
    Row("requests", "withheld.enforcement_file", "7.属于行政执法案卷", _RC, parent=_W),
    Row("requests", "withheld.query_item", "8.属于行政查询事项", _RC, parent=_W),
    Row("requests", "unavailable.not_held", "1.本机关不掌握相关政府信息", _RC, parent=_U),
    Row("requests", "unavailable.needs_creation", "2.没有现成信息需要另行制作", _RC, parent=_U),
    Row("requests", "unavailable.unclear", "3.补正后申请内容仍不明确", _RC, parent=_U),
    Row("requests", "rejected.petition", "1.信访举报投诉类申请", _RC, parent=_R),
    Row("requests", "rejected.duplicate", "2.重复申请", _RC, parent=_R),
    Row("requests", "rejected.publication", "3.要求提供公开出版物", _RC, parent=_R),
    Row("requests", "rejected.excessive", "4.无正当理由大量反复申请", _RC, parent=_R),
    Row("requests", "rejected.confirmation", "5.要求行政机关确认或重新出具已获取信息", _RC, parent=_R),
    Row("requests", "other.no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", _RC, _A21, parent=_O),
    Row("requests", "other.unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", _RC, _A21, parent=_O),
    Row("requests", "other.other", "3.其他", _RC, _A21, parent=_O),
    Row("requests", "other", "（六）其他处理", _RC, _A19, parent="三、本年度办理结果"),
    Row("requests", "total", "（七）总计", _RC, parent="三、本年度办理结果"),
    Row("requests", "carried_forward", "四、结转下年度继续办理", _RC),
)

APPEAL_ROWS = (
    Row("appeals", "review", "行政复议", APPEAL_COLUMNS),
    Row("appeals", "litigation_direct", "未经复议直接起诉", APPEAL_COLUMNS, parent="行政诉讼"),
    Row("appeals", "litigation_after_review", "复议后起诉", APPEAL_COLUMNS, parent="行政诉讼"),
)

ALL_ROWS = ACTIVE_ROWS + REQUEST_ROWS + APPEAL_ROWS

# The appeals table is printed as one row of 15 numbers; the classifier names that
# printed row with this pseudo-row and the reconciler spreads it over the 3 × 5 matrix.
APPEALS_AS_ONE_ROW = "appeals/*"
# The classifier's label for everything that is not a data row (headers, notes, prose).
NOT_A_ROW = "none"

# Hybrid forms: a 2021 report may print （六）其他处理 as 2019's one row.  Its counts are the
# sums of the 2021 sub-rows, which it then bounds (a 0 forces all three to 0); the group's own
# cells help the reconciler and are not cells of the 2021 matrix.
GROUP_ROWS = {"2021": {"requests/other": ("requests/other.no_correction", "requests/other.unpaid_fee",
                                          "requests/other.other")}}

# Rows whose counts make up （七）总计 (identity 3): every 办理结果 row.
RESULT_ROW_PREFIXES = ("granted", "partly_granted", "withheld.", "unavailable.", "rejected.", "other")


# The functions below are pure and called for every cell of every document: each result is
# computed once and kept (as a tuple, so no caller can change the shared copy).


@lru_cache(maxsize=None)
def rows(template: str, table: str | None = None) -> tuple[Row, ...]:
    """The rows of a template (optionally of one table), in printed order."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    return tuple(r for r in ALL_ROWS if template in r.templates and (table is None or r.table == table))


@lru_cache(maxsize=None)
def row(template: str, key: str) -> Row:
    """A row by its ``table/row`` key."""
    for r in rows(template):
        if r.key == key:
            return r
    if key in GROUP_ROWS.get(template, {}):  # a hybrid form's group row, as the other template has it
        return next(r for r in ALL_ROWS if r.key == key)
    raise KeyError(f"{key} is not a row of template {template}")


@lru_cache(maxsize=None)
def row_keys(template: str) -> tuple[str, ...]:
    """The classifier's canonical sequence for a template: ``table/row`` keys in printed order,
    with the appeals table's one-row form before its three labelled rows."""
    keys = [r.key for r in rows(template)]
    first_appeal = keys.index("appeals/review")
    return tuple(keys[:first_appeal] + [APPEALS_AS_ONE_ROW] + keys[first_appeal:])


@lru_cache(maxsize=None)
def all_row_keys() -> tuple[str, ...]:
    """Every label the row classifier can give, over both templates."""
    keys: list[str] = []
    for template in TEMPLATES:
        keys += [k for k in row_keys(template) if k not in keys]
    return tuple(keys + [NOT_A_ROW])


@lru_cache(maxsize=None)
def cell_keys(template: str, table: str | None = None) -> tuple[str, ...]:
    """Every cell of the template's matrix, ``table/row/col``, in printed order."""
    return tuple(f"{r.key}/{c.id}" for r in rows(template, table) for c in r.columns)


@lru_cache(maxsize=None)
def printed_cells(template: str, key: str) -> tuple[str, ...]:
    """The cells a printed row carries, in printed order (15 for the appeals table's one row)."""
    if key == APPEALS_AS_ONE_ROW:
        return tuple(f"appeals/{r.id}/{c.id}" for r in APPEAL_ROWS for c in APPEAL_COLUMNS)
    return tuple(f"{key}/{c.id}" for c in row(template, key).columns)


@lru_cache(maxsize=None)
def column_label(template: str, cell_key: str) -> str:
    """The header wording of a cell's column."""
    table, row_id, col = cell_key.split("/")
    return next(c.label for c in row(template, f"{table}/{row_id}").columns if c.id == col)


def is_result_row(row_id: str) -> bool:
    return row_id.startswith(RESULT_ROW_PREFIXES) and row_id != "total"


# --- identities (勾稽关系) ---------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """``sum(left) == sum(right)`` over cell keys.  ``kind`` names the identity in flags."""

    kind: str
    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return self.left + self.right


# The identities by the name their flags carry, with what each says.
IDENTITY_KINDS = {
    "requests_balance": "1: new + carried_over = total + carried_forward, every column",
    "requests_row_total": "2: a row's total = the sum of its six applicant columns",
    "requests_col_total": "3: （七）总计 = the sum of every 办理结果 row, every column",
    "appeals_row_total": "4: total = upheld + corrected + other + pending, every row",
    "cross_year": "5: this year's 上年结转 = last year's 结转下年度 (same agency, one batch)",
    "cross_year_active": "6: this year's 现行有效件数 = last year's + 本年制发 − 本年废止 "
                         "(same agency, template 2021, one batch)",
}
# Identities 5 and 6 join two reports of one agency: their cells of last year's report carry this
# prefix, so that one Identity (and one way of checking it) serves within and across years.
LAST_YEAR = "last_year:"


@lru_cache(maxsize=None)
def identities(template: str) -> tuple[Identity, ...]:
    """Identities 1–4 of SCHEMA.md, spelled out over the cells of a template."""
    out: list[Identity] = []
    req = "requests"
    cols = [c.id for c in REQUEST_COLUMNS]
    result_rows = [r.id for r in rows(template, req) if is_result_row(r.id)]
    for c in cols:
        out.append(Identity("requests_balance", f"requests_balance:{c}",
                            (f"{req}/new/{c}", f"{req}/carried_over/{c}"),
                            (f"{req}/total/{c}", f"{req}/carried_forward/{c}")))
    for r in rows(template, req):
        out.append(Identity("requests_row_total", f"requests_row_total:{r.id}",
                            (f"{req}/{r.id}/total",),
                            tuple(f"{req}/{r.id}/{c}" for c in cols[:-1])))
    for c in cols:
        out.append(Identity("requests_col_total", f"requests_col_total:{c}",
                            (f"{req}/total/{c}",),
                            tuple(f"{req}/{r}/{c}" for r in result_rows)))
    for r in APPEAL_ROWS:
        out.append(Identity("appeals_row_total", f"appeals_row_total:{r.id}",
                            (f"appeals/{r.id}/total",),
                            tuple(f"appeals/{r.id}/{c.id}" for c in APPEAL_COLUMNS[:-1])))
    return tuple(out)


@lru_cache(maxsize=None)
def group_identities(template: str, key: str) -> tuple[Identity, ...]:
    """A hybrid form's group row: its total is the sum of its columns (2), and each column the
    sum of the template's sub-rows (part of 3)."""
    cols = [c.id for c in REQUEST_COLUMNS]
    subs = GROUP_ROWS[template][key]
    return (Identity("requests_row_total", f"requests_row_total:{key}", (f"{key}/total",),
                     tuple(f"{key}/{c}" for c in cols[:-1])),
            *(Identity("requests_col_total", f"requests_col_total:{key}:{c}", (f"{key}/{c}",),
                       tuple(f"{sub}/{c}" for sub in subs)) for c in cols))


@lru_cache(maxsize=None)
def cross_year_identities(template: str, last_template: str) -> tuple[Identity, ...]:
    """Identities 5 and 6 between a report and the same agency's report of the year before
    (last year's cells prefixed :data:`LAST_YEAR`)."""
    req = "requests"
    out = [Identity("cross_year", f"cross_year:{c.id}", (f"{req}/carried_over/{c.id}",),
                    (f"{LAST_YEAR}{req}/carried_forward/{c.id}",)) for c in REQUEST_COLUMNS]
    if template == last_template == "2021":
        for r in ("regulations", "normative_documents"):
            out.append(Identity("cross_year_active", f"cross_year_active:{r}",
                                (f"active/{r}/in_force", f"active/{r}/repealed"),
                                (f"{LAST_YEAR}active/{r}/in_force", f"active/{r}/issued")))
    return tuple(out)


def may_be_negative(cell_key: str) -> bool:
    """Only 2019's 本年增/减 can be below zero."""
    return cell_key.endswith("/change")


def is_amount(cell_key: str) -> bool:
    """Money cells are decimals in 万元; every other cell is a count."""
    return cell_key.endswith("/amount")


def as_dict() -> dict:
    """The contract as data: every template's tables, rows and columns with their official
    labels, the identities, and cells.csv's columns (``recover schema --json``)."""
    return {
        "templates": {
            t: {table: [{"row": r.id, "label": r.label, "parent": r.parent,
                         "columns": [{"id": c.id, "label": c.label} for c in r.columns]}
                        for r in rows(t, table)]
                for table in TABLES}
            for t in TEMPLATES},
        "tables": TABLE_TITLES,
        "identities": IDENTITY_KINDS,
        "cells_csv": list(CSV_COLUMNS),
    }
