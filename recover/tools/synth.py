"""Synthetic reports for training and stress: random matrices printed in the messy ways real
reports reach readers.

Every report is built as abstract blocks — paragraphs and tables whose cells carry their
rowspan/colspan — and then rendered in one layout: HTML, tab- or pipe-separated text, markdown,
space-aligned columns, one cell per line, a label line then a value line, PDF-like text with
wrapped labels, or text scraped with no separators at all.  Labels get the noise real reports
have (bracket widths, numbering styles, spaces inside words, other wordings, wrapped lines);
numbers get zero marks, blanks, thousands separators and 元.  The generator is seeded: the
same seed gives the same reports.
"""
from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import schema
from ..values import format_value

LAYOUTS = ("html", "tab", "pipe", "markdown", "spaces", "cell_per_line", "cell_and_pipe_lines",
           "label_then_values", "pdf_text", "flat", "ocr_grid")
# Characters OCR puts in place of others, and stray marks it adds: for labels read from scans.
_OCR_SWAPS = "一二三人入八口日曰目白自己已巳土士工干千于天夫未末本木术大太犬王玉主"
_OCR_MARKS = "'`,.:;_-"


@dataclass
class TCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    is_value: bool = False


@dataclass
class TRow:
    cells: list[TCell]
    key: str = schema.NOT_A_ROW  # the canonical row a data row prints, for labelling
    own_label: str = ""  # the label as printed, for labelling


@dataclass
class Table:
    rows: list[TRow]


@dataclass
class SyntheticReport:
    name: str
    template: str
    layout: str
    content: str
    truth: dict[str, int | Decimal]
    printed: list[TRow] = field(default_factory=list)  # data rows in print order
    truncated: bool = False

    @property
    def suffix(self) -> str:
        return ".html" if self.layout == "html" else ".txt"

    def settled_truth(self) -> dict[str, int | Decimal]:
        """The cells the printed report settles, as real truth files list them: every cell printed
        with a value, and cells printed blank only where the identities force their value."""
        from ..cells import CellResult
        from ..reconcile.identities import infer

        blank = set()
        for row in self.printed:
            values = [c for c in row.cells if c.is_value]
            for key, cell in zip(schema.printed_cells(self.template, row.key), values):
                if not cell.text.strip():
                    blank.add(key)
        cells = {k: CellResult() if k in blank else CellResult(v, "printed", 1.0) for k, v in self.truth.items()}
        infer(schema.identities(self.template), cells)
        return {k: v for k, v in self.truth.items() if cells[k].value is not None}


# --- the numbers ----------------------------------------------------------------------------


def random_matrix(rng: random.Random, template: str, dense: bool = False) -> dict[str, int | Decimal]:
    """A matrix that satisfies identities 1–4, with the mix of zeros and sizes real reports have
    (or, ``dense``, with every applicant column and most cells non-zero, so a misread shows)."""
    cells: dict[str, int | Decimal] = {}
    quiet = not dense and rng.random() < 0.3  # a small agency: nearly everything 0
    zeros = 0.0 if dense else 0.35

    def count(scale: float) -> int:
        if quiet or rng.random() < zeros:
            return 0
        return int(10 ** rng.uniform(0, scale))

    for r in schema.rows(template, "active"):
        for c in r.columns:
            key = f"{r.key}/{c.id}"
            if c.id == "amount":
                cells[key] = _amount(rng) if not quiet else Decimal(0)
            elif c.id == "change":
                cells[key] = rng.choice([0, 0, count(2), -count(2)])
            else:
                cells[key] = count(3 if r.id in ("regulations", "normative_documents") else 5.5)

    columns = [c.id for c in schema.REQUEST_COLUMNS[:-1]]
    result_rows = [r.id for r in schema.rows(template, "requests") if schema.is_result_row(r.id)]
    weights = {r: (8 if r in ("granted", "unavailable.not_held") else 3 if r in ("partly_granted", "other.other", "other")
                   else 1) for r in result_rows}
    for column in columns:
        scale = 3.2 if column == "natural_person" else 2 if dense else 1.5
        idle = 0 if dense else 0.3 if column == "natural_person" else 0.75
        done = 0 if rng.random() < idle else count(scale)
        per_row = dict.fromkeys(result_rows, 0)
        for _ in range(done):
            per_row[rng.choices(result_rows, [weights[r] for r in result_rows])[0]] += 1
        forward = count(1.5) if done and rng.random() < 0.3 else 0
        carried = count(1.2) if rng.random() < 0.2 else 0
        carried = min(carried, done + forward)
        for row_id, v in per_row.items():
            cells[f"requests/{row_id}/{column}"] = v
        cells[f"requests/total/{column}"] = done
        cells[f"requests/carried_forward/{column}"] = forward
        cells[f"requests/carried_over/{column}"] = carried
        cells[f"requests/new/{column}"] = done + forward - carried
    for r in schema.rows(template, "requests"):
        cells[f"requests/{r.id}/total"] = sum(cells[f"requests/{r.id}/{c}"] for c in columns)

    for r in schema.APPEAL_ROWS:
        parts = [count(1.3) if dense or rng.random() < 0.4 else 0 for _ in range(4)]
        for outcome, v in zip(("upheld", "corrected", "other", "pending"), parts):
            cells[f"appeals/{r.id}/{outcome}"] = v
        cells[f"appeals/{r.id}/total"] = sum(parts)
    return cells


def _amount(rng: random.Random) -> Decimal:
    if rng.random() < 0.4:
        return Decimal(0)
    places = rng.choice([0, 1, 2, 4, 6])
    return Decimal(str(round(10 ** rng.uniform(-1, 5), places))).normalize()


# --- label noise ------------------------------------------------------------------------------


class Noise:
    """The label and number habits of one (imaginary) agency, kept for the whole report."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.full_width = rng.random() < 0.6
        self.digit_style = rng.choice(["1.", "1.", "1、", "1．", "(1)", ""])
        self.space_in_words = rng.random() < 0.2
        self.zero_mark = rng.choice(["0"] * 8 + ["—", "/", "无", "-", ""])
        self.thousands = rng.random() < 0.15
        self.yuan = rng.random() < 0.15
        self.short_partly = rng.random() < 0.2
        self.alias = rng.random() < 0.3
        self.extra_row = rng.random() < 0.15  # a provincial row that is not part of the form
        self.ocr_rate = 0.0  # share of a label's characters an OCR reading gets wrong

    @classmethod
    def plain(cls) -> "Noise":
        """An agency that prints every label and number as the official form does."""
        noise = cls(random.Random(0))
        noise.full_width, noise.digit_style, noise.space_in_words, noise.zero_mark = True, "1.", False, "0"
        noise.thousands = noise.yuan = noise.short_partly = noise.alias = noise.extra_row = False
        return noise

    def label(self, text: str) -> str:
        text = self._numbering(text)
        if self.alias:
            for official, variant in (("其他法律行政法规禁止公开", "其他法律法规禁止公开"),
                                      ("行政规范性文件", "规范性文件")):
                text = text.replace(official, variant)
        if self.short_partly:
            text = text.replace("（区分处理的，只计这一情形，不计其他情形）", "")
        if not self.full_width:
            text = text.replace("（", "(").replace("）", ")").replace("，", ",").replace("：", ":")
        if self.space_in_words and len(text) > 3 and self.rng.random() < 0.3:
            cut = self.rng.randrange(1, len(text) - 1)
            text = text[:cut] + " " + text[cut:]
        return self.misread(text)

    def misread(self, text: str) -> str:
        """Text as OCR may return it: some characters swapped, dropped, or joined by stray marks."""
        if not self.ocr_rate:
            return text
        out = []
        for ch in text:
            roll = self.rng.random()
            if roll < self.ocr_rate * 0.6 and "\u4e00" <= ch <= "\u9fff":
                out.append(self.rng.choice(_OCR_SWAPS))
            elif roll < self.ocr_rate * 0.8:
                continue
            elif roll < self.ocr_rate:
                out.append(ch + self.rng.choice(_OCR_MARKS))
            else:
                out.append(ch)
        return "".join(out) or text

    def _numbering(self, text: str) -> str:
        m = re.match(r"^(\d)\.", text)
        if not m:
            return text
        d = m.group(1)
        style = self.digit_style
        number = {"1.": f"{d}.", "1、": f"{d}、", "1．": f"{d}．", "(1)": f"（{d}）", "": ""}[style]
        return number + text[m.end():]

    def value(self, value: int | Decimal | None, amount: bool = False) -> str:
        if value is None:
            return ""
        if value == 0:
            return self.zero_mark if self.rng.random() < 0.9 else "0"
        if amount and self.yuan:
            return format_value(Decimal(value) * 10000) + "元"
        if self.thousands and not amount and not -1000 < value < 1000:
            return f"{value:,}"
        return format_value(value)


# --- the official form as abstract tables ----------------------------------------------------


def active_table(template: str, cells: dict, noise: Noise) -> Table:
    rows: list[TRow] = []
    items = {"regulations": "一", "licensing": "五", "penalties": "六", "fees": "八", "procurement": "九"}
    width = 4
    for r in schema.rows(template, "active"):
        if r.id in items:
            rows.append(TRow([TCell(noise.label(f"第二十条第（{items[r.id]}）项"), colspan=width)]))
            headers = [TCell(c.label) for c in r.columns]
            headers[-1].colspan = width - len(r.columns)
            rows.append(TRow([TCell("信息内容")] + headers))
        label = noise.label(r.label if not (noise.alias and r.aliases) else r.aliases[0])
        values = [TCell(noise.value(cells[f"{r.key}/{c.id}"], schema.is_amount(c.id)), is_value=True)
                  for c in r.columns]
        values[-1].colspan = width - len(r.columns)
        rows.append(TRow([TCell(label)] + values, key=r.key, own_label=label))
        if r.id == "normative_documents" and noise.extra_row:
            # Some provinces add rows of their own; they are not part of the standard form.
            extra = noise.rng.choice(_EXTRA_ACTIVE_ROWS)
            rows.append(TRow([TCell(extra)] + [TCell(str(noise.rng.randint(0, 300)), is_value=True)
                                               for _ in r.columns]))
    return Table(rows)


_EXTRA_ACTIVE_ROWS = ["其他主动公开文件", "其他文件", "政府信息公开目录", "部门规范性文件", "其他政策文件"]


def other_table(rng: random.Random) -> Table:
    """A table that is not one of the three: page information, consultations, a budget."""
    kind = rng.randrange(3)
    if kind == 0:
        return Table([TRow([TCell("索引号:"), TCell(f"00{rng.randint(1000, 99999)}/2022-{rng.randint(1, 99999)}"),
                            TCell("公开方式:"), TCell("主动公开")]),
                      TRow([TCell("发布单位:"), TCell("办公室"), TCell("成文日期:"), TCell("2022-01-14")])])
    if kind == 1:
        heads = ["咨询方式", "电话咨询", "现场咨询", "网上咨询", "合计"]
        counts = [rng.randint(0, 500) for _ in range(3)]
        return Table([TRow([TCell(h) for h in heads]),
                      TRow([TCell("咨询数量")] + [TCell(str(c), is_value=True) for c in counts + [sum(counts)]])])
    items = ["一般公共预算支出", "基本支出", "项目支出", "三公经费"]
    return Table([TRow([TCell("项目"), TCell("预算数"), TCell("决算数")])] +
                 [TRow([TCell(i), TCell(str(rng.randint(0, 9999)), is_value=True),
                        TCell(f"{rng.uniform(0, 9999):.2f}", is_value=True)]) for i in items])


def requests_table(template: str, cells: dict, noise: Noise) -> Table:
    cols = schema.REQUEST_COLUMNS
    rows = [
        TRow([TCell(noise.label("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"),
                    colspan=3, rowspan=3), TCell("申请人情况", colspan=7)]),
        TRow([TCell("自然人", rowspan=2), TCell("法人或其他组织", colspan=5), TCell("总计", rowspan=2)]),
        TRow([TCell(noise.label(c.label)) for c in cols[1:-1]]),
    ]
    request_rows = schema.rows(template, "requests")
    results = [r for r in request_rows if schema.is_result_row(r.id) or r.id == "total"]
    groups: dict[str, list] = {}
    for r in request_rows:
        if r.parent.startswith("（") and r.id != "other":
            groups.setdefault(r.parent, []).append(r)
    for r in request_rows:
        values = [TCell(noise.value(cells[f"{r.key}/{c.id}"]), is_value=True) for c in cols]
        label = noise.label(r.label)
        cells_: list[TCell] = []
        if r in results and r is results[0]:
            cells_.append(TCell(noise.label("三、本年度办理结果"), rowspan=len(results)))
        if r.parent in groups:
            members = groups[r.parent]
            if r is members[0]:
                cells_.append(TCell(noise.label(r.parent), rowspan=len(members)))
            cells_.append(TCell(label))
        else:
            cells_.append(TCell(label, colspan=2 if r in results else 3))
        rows.append(TRow(cells_ + values, key=r.key, own_label=label))
    return Table(rows)


def appeals_table(cells: dict, noise: Noise, labelled_rows: bool) -> Table:
    heads = [c.label for c in schema.APPEAL_COLUMNS]
    if labelled_rows:  # a rarer layout: one labelled row per appeal kind
        rows = [TRow([TCell("")] + [TCell(h) for h in heads])]
        for r in schema.APPEAL_ROWS:
            label = noise.label(("行政诉讼" if r.parent else "") + r.label)
            values = [TCell(noise.value(cells[f"{r.key}/{c.id}"]), is_value=True) for c in schema.APPEAL_COLUMNS]
            rows.append(TRow([TCell(label)] + values, key=r.key, own_label=label))
        return Table(rows)
    values = [TCell(noise.value(cells[f"{r.key}/{c.id}"]), is_value=True)
              for r in schema.APPEAL_ROWS for c in schema.APPEAL_COLUMNS]
    return Table([
        TRow([TCell("行政复议", colspan=5), TCell("行政诉讼", colspan=10)]),
        TRow([TCell(h, rowspan=2) for h in heads] + [TCell("未经复议直接起诉", colspan=5), TCell("复议后起诉", colspan=5)]),
        TRow([TCell(h) for h in heads * 2]),
        TRow(values, key=schema.APPEALS_AS_ONE_ROW),
    ])


# --- prose around the tables ------------------------------------------------------------------

_PROSE = [
    "{y}年，我{unit}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外。",
    "全年主动公开政府信息{n}条，其中政策文件{m}件，政策解读{k}篇。",
    "本年度共收到政府信息公开申请{n}件，均在法定期限内答复，{k}件结转下年度继续办理。",
    "通过政府网站发布信息{n}条，政务新媒体发布{m}条，召开新闻发布会{k}场。",
    "本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
    "如对本报告有疑问，请与{unit}办公室联系（电话：0{k}-{n}{m}）。",
    "{y}年度未收取信息处理费。全年办理人大代表建议{k}件、政协提案{m}件。",
    "组织政务公开培训{k}次，参训人员{n}人次。",
    "下一步，我{unit}将进一步加强政策解读，提升政务公开质效。",
    "因政府信息公开被申请行政复议{k}件，提起行政诉讼{m}件。",
]
_CRUMBS = ["当前位置：首页 > 政务公开 > 政府信息公开年报", "索引号: 00{n}/{y}-{m} | 公开方式: 主动公开 |",
           "发布时间：{y}-01-{k} 来源：本站 字号：大 中 小 打印 关闭", "微信 微博 QQ空间 全真版 文字版 文件下载"]


def _prose(rng: random.Random, pool: list[str], count: int, year: int) -> list[str]:
    unit = rng.choice(["局", "委", "区", "镇", "办", "中心"])
    return [rng.choice(pool).format(y=year, n=rng.randint(1, 9999), m=rng.randint(1, 300), k=rng.randint(1, 30),
                                    unit=unit) for _ in range(count)]


def build_report(rng: random.Random, template: str, scraped: bool = False, ocr: bool = False) -> tuple[list, dict]:
    """The report as blocks (str paragraphs and Tables) and its matrix.  ``scraped`` text keeps
    only digits: a zero mark or a blank run into the words around it cannot be read back."""
    cells = random_matrix(rng, template)
    noise = Noise(rng)
    if scraped:
        noise.zero_mark, noise.thousands = "0", False
    if ocr:
        noise.ocr_rate = rng.uniform(0.04, 0.15)
    year = int(template) + rng.randint(0, 3) if template == "2021" else rng.choice([2019, 2020])
    agency = rng.choice(["某市人民政府办公室", "某县交通运输局", "某区科技和工业信息化局", "某镇人民政府", "某市公安局"])
    blocks: list = []
    if rng.random() < 0.3:
        blocks += _prose(rng, _CRUMBS, rng.randint(1, 3), year)
    blocks.append(f"{agency}{year}年政府信息公开工作年度报告")
    blocks += _prose(rng, _PROSE, rng.randint(0, 2), year)
    if rng.random() < 0.15:
        blocks.insert(0, other_table(rng))
    blocks.append("一、总体情况")
    blocks += _prose(rng, _PROSE, rng.randint(1, 5), year)
    if rng.random() < 0.15:
        blocks.append(other_table(rng))
    blocks.append(noise.misread(rng.choice(["二、主动公开政府信息情况", "二、行政机关主动公开政府信息情况"])))
    blocks.append(active_table(template, cells, noise))
    blocks.append(noise.misread(rng.choice(["三、收到和处理政府信息公开申请情况",
                                            "三、行政机关收到和处理政府信息公开申请情况"])))
    blocks.append(requests_table(template, cells, noise))
    blocks.append(noise.misread(rng.choice(["四、政府信息公开行政复议、行政诉讼情况",
                                            "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"])))
    blocks.append(appeals_table(cells, noise, labelled_rows=rng.random() < 0.08))
    blocks.append("五、存在的主要问题及改进情况")
    blocks += _prose(rng, _PROSE, rng.randint(1, 3), year)
    blocks.append("六、其他需要报告的事项")
    blocks += _prose(rng, _PROSE, rng.randint(0, 2), year)
    if rng.random() < 0.1:
        blocks.append(other_table(rng))
    return blocks, cells


# --- rendering ---------------------------------------------------------------------------------


def render(blocks: list, layout: str, rng: random.Random) -> str:
    if layout == "html":
        return _render_html(blocks, rng)
    out: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            out.append(block)
        elif layout in ("tab", "pipe", "markdown", "spaces", "ocr_grid"):
            out += _render_grid(block, layout, rng)
        else:
            out += _render_stream(block, layout, rng)
    if layout == "flat":
        return _flatten(out, rng)
    return "\n".join(out) + "\n"


def _grid(table: Table) -> list[list[tuple[TCell, bool]]]:
    """Expand spans: each slot holds (cell, is_origin)."""
    taken: dict[tuple[int, int], TCell] = {}
    out = []
    for r, row in enumerate(table.rows):
        slots: list[tuple[TCell, bool]] = []
        col = 0
        cells = list(row.cells)
        while cells or (r, col) in taken:
            if (r, col) in taken:
                slots.append((taken.pop((r, col)), False))
                col += 1
                continue
            cell = cells.pop(0)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if dr or dc:
                        taken[(r + dr, col + dc)] = cell
            slots.append((cell, True))
            col += 1
        out.append(slots)
    return out


def _render_grid(table: Table, layout: str, rng: random.Random) -> list[str]:
    if layout == "spaces":
        return _render_fixed_width(table)
    sep = {"tab": "\t", "pipe": " | ", "markdown": " | ", "ocr_grid": "\t"}[layout]
    residue = rng.random() < 0.5  # whether merged cells leave empty slots behind
    lines = []
    for i, slots in enumerate(_grid(table)):
        texts = []
        for cell, origin in slots:
            if origin:
                texts.append(cell.text)
            elif residue or layout in ("tab", "ocr_grid"):
                texts.append("")
        line = sep.join(texts)
        if layout == "markdown":
            line = f"| {line} |"
            if i == 0:
                line += "\n|" + "---|" * len(texts)
        elif layout == "pipe" and rng.random() < 0.5:
            line += " |"
        lines.append(line)
    return lines


def _render_fixed_width(table: Table) -> list[str]:
    """Columns padded with spaces to a common width, as a PDF copied as text keeps them."""
    grid = _grid(table)
    columns = max(len(slots) for slots in grid)
    widths = [6] * columns
    for slots in grid:
        for c, (cell, origin) in enumerate(slots):
            if origin and cell.colspan == 1:
                widths[c] = max(widths[c], _display_width(cell.text) + 4)
    lines = []
    for slots in grid:
        line, c = "", 0
        while c < len(slots):
            cell, origin = slots[c]
            span = cell.colspan if origin else 1
            room = sum(widths[c:c + span])
            text = cell.text if origin else ""
            line += text + " " * max(room - _display_width(text), 2)
            c += span
        lines.append(line.rstrip())
    return lines


def _display_width(text: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _render_stream(table: Table, layout: str, rng: random.Random) -> list[str]:
    lines: list[str] = []
    for slots in _grid(table):
        texts = [cell.text for cell, origin in slots if origin and cell.text]
        if layout == "cell_per_line":
            lines += [f"{t} |" for t in texts]
            if rng.random() < 0.2:
                lines.append("|||")
        elif layout == "cell_and_pipe_lines":
            for t in texts:
                lines += [t, "|"]
        elif layout == "label_then_values":
            labels = [c.text for c, o in slots if o and not c.is_value and c.text]
            values = [c.text for c, o in slots if o and c.is_value and c.text]
            lines += [f"{t} |" for t in labels]
            if values:
                lines.append(" | ".join(values) + rng.choice([" |", " | ||", ""]))
        elif layout == "pdf_text":
            lines += _pdf_lines(slots, rng)
        else:  # flat: everything runs together later
            lines.append("".join(texts))
    return lines


def _pdf_lines(slots: list[tuple[TCell, bool]], rng: random.Random) -> list[str]:
    """PDF-to-text habits: long labels wrap, values sit on the line of a label fragment."""
    labels = [c.text.replace(" ", "") for c, o in slots if o and not c.is_value and c.text]
    values = [c.text for c, o in slots if o and c.is_value and c.text]
    if not values:
        return [" ".join(labels)] if labels else []
    own = labels[-1] if labels else ""
    context = labels[:-1]
    if len(own) > 14 and rng.random() < 0.7:
        cut = rng.randrange(8, len(own) - 3)
        head, tail = own[:cut], own[cut:]
        if rng.random() < 0.5:
            return context + [head, tail + " " + " ".join(values)]
        cut2 = rng.randrange(1, len(tail)) if len(tail) > 4 else len(tail)
        return context + [head, tail[:cut2] + " " + " ".join(values), tail[cut2:]] if tail[cut2:] else \
            context + [head, tail + " " + " ".join(values)]
    return context + [(own + " " + " ".join(values)).strip()]


def _flatten(lines: list[str], rng: random.Random) -> str:
    """Text scraped from a page with no separators: a header block, then one run of text."""
    body = "".join(line if rng.random() < 0.85 else line + " " for line in lines)
    return body + "\n"


def _render_html(blocks: list, rng: random.Random) -> str:
    word_like = rng.random() < 0.4  # Word-exported: every cell's text wrapped in <p><span>
    parts = ["<html><body>"]
    for block in blocks:
        if isinstance(block, str):
            parts.append(f"<p>{html.escape(block)}</p>")
            continue
        parts.append('<table border="1">')
        for row in block.rows:
            parts.append("<tr>")
            for cell in row.cells:
                attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + \
                        (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")
                text = cell.text
                body = html.escape(text) or "&nbsp;"
                if not cell.is_value and len(text) > 6 and rng.random() < 0.15:
                    cut = rng.randrange(2, len(text) - 2)
                    body = html.escape(text[:cut]) + "<br />" + html.escape(text[cut:])
                if word_like:
                    body = f'<p class="MsoNormal"><span style="font-size:10.5pt">{body}</span></p>'
                parts.append(f"<td{attrs}>{body}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --- whole reports -------------------------------------------------------------------------


def generate(seed: int, count: int, layouts: tuple[str, ...] = LAYOUTS) -> list[SyntheticReport]:
    """``count`` reports, reproducible from ``seed``."""
    rng = random.Random(seed)
    reports = []
    for i in range(count):
        template = rng.choice(["2021", "2021", "2019"])
        layout = layouts[i % len(layouts)]
        blocks, cells = build_report(rng, template, scraped=layout == "flat", ocr=layout == "ocr_grid")
        content = render(blocks, layout, rng)
        printed = [row for block in blocks if isinstance(block, Table) for row in block.rows
                   if row.key != schema.NOT_A_ROW]
        truncated = False
        if layout != "html" and rng.random() < 0.1:
            start = content.find("主动公开政府信息情况")
            if start > 0:
                content = content[: rng.randrange(start, len(content))]
                truncated = True
        reports.append(SyntheticReport(f"synthetic_{seed}_{i:05d}_{layout}", template, layout, content,
                                       cells, printed, truncated))
    return reports


def generate_blocks(seed: int, count: int):
    """Generated reports as blocks, for rendering as Word, PDF or scans: (name, template,
    blocks, truth).  Numbers are printed plainly (no blanks for zeros), so all of them count."""
    rng = random.Random(seed)
    for i in range(count):
        template = rng.choice(["2021", "2021", "2019"])
        blocks, cells = build_report(rng, template, scraped=True)
        yield f"synthetic_{seed}_{i:05d}", template, blocks, cells


def truth_cells(cells: dict[str, int | Decimal]) -> dict[str, int | float]:
    """Cells as truth files hold them (JSON numbers: amounts as floats)."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in cells.items()}


def write_documents(reports: list[SyntheticReport], directory: Path) -> None:
    """Each report as a file, and (for reports not cut short) its truth in the truth format."""
    directory = Path(directory)
    (directory / "truth").mkdir(parents=True, exist_ok=True)
    for r in reports:
        name = r.name + r.suffix
        (directory / name).write_text(r.content, encoding="utf-8")
        if r.truncated:
            continue
        settled = r.settled_truth()
        truth = {"document": name, "template": r.template, "layout": r.layout,
                 "complete": len(settled) == len(r.truth),
                 "cells": truth_cells(settled)}
        (directory / "truth" / f"{r.name}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                                            encoding="utf-8")
