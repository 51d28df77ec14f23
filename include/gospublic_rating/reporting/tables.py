"""The report as tables: the XLSX workbook (openpyxl) and CSV files for Russian Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..methodology import Methodology
from .data import FIX_GROUPS, Report
from .html import movement, place_label

# (header, width, number format or None) per column of each sheet.
RANKING_COLUMNS = [
    ("Место", 8, None),
    ("Движение", 10, None),
    ("Код", 6, None),
    ("Регион", 40, None),
    ("Федеральный округ", 26, None),
    ("Баллы", 9, "0.0"),
    ("Блок 1", 9, "0.00"),
    ("Блок 2", 9, "0.00"),
    ("Итог", 11, "0.0000"),
]
INDICATOR_COLUMNS = [
    ("Код", 6, None),
    ("Регион", 40, None),
    ("Показатель", 6, None),
    ("Название", 28, None),
    ("Блок", 6, None),
    ("Значение", 11, "0.0000"),
    ("Числитель", 12, "#,##0.####"),
    ("Знаменатель", 13, "#,##0.####"),
    ("Нижняя граница", 15, "0.0000"),
    ("Верхняя граница", 15, "0.0000"),
    ("Оценка", 9, "0.00"),
    ("Вес", 6, "0.00"),
    ("Вклад в блок", 13, "0.00"),
]
FIX_COLUMNS = [
    ("Код", 6, None),
    ("Регион", 36, None),
    ("Что исправить", 42, None),
    ("Прибавка группы, баллы", 14, "0.0"),
    ("ID организации", 16, None),
    ("Организация", 48, None),
    ("Вид организации", 20, None),
    ("Площадка", 10, None),
    ("Страница", 24, None),
    ("Ссылка", 36, None),
]
CHECK_COLUMNS = [
    ("Этап", 14, None),
    ("Набор", 36, None),
    ("Часть", 10, None),
    ("Пройден", 9, None),
    ("Ожиданий", 10, None),
    ("Выполнено", 10, None),
    ("Строк", 12, "#,##0"),
]


def ranking_rows(report: Report) -> list[list]:
    has_previous = report.previous_snapshot_id is not None
    return [
        [
            place_label(r),
            movement(r, has_previous)[0],
            r.region_code,
            r.region_name,
            r.federal_district,
            r.points,
            r.block1,
            r.block2,
            r.total,
        ]
        for r in report.regions
    ]


def fix_rows(report: Report, gains: dict) -> list[list]:
    names = {r.region_code: r.region_name for r in report.regions}
    return [
        [
            i.region_code,
            names.get(i.region_code, ""),
            FIX_GROUPS[i.group][0],
            gains.get((i.region_code, i.group)),
            i.org_id,
            i.org_name,
            i.org_kind,
            i.platform,
            i.page_id,
            i.link,
        ]
        for i in report.fix_items or []
    ]


def _sheet(workbook: Workbook, title: str, columns, rows) -> None:
    sheet = workbook.create_sheet(title)
    for n, (_, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    bold = Font(bold=True)
    header = []
    for name, _, _ in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [fmt for _, _, fmt in columns]
    formatted = [n for n, fmt in enumerate(formats) if fmt]
    for row in rows:
        row = list(row)
        for n in formatted:
            if n < len(row) and row[n] is not None:
                cell = WriteOnlyCell(sheet, value=row[n])
                cell.number_format = formats[n]
                row[n] = cell
        sheet.append(row)


def write_xlsx(path: Path, report: Report, methodology: Methodology, gains: dict, region: str | None = None) -> Path:
    workbook = Workbook(write_only=True)
    regions = [r for r in report.regions if region is None or r.region_code == region]
    definitions = {i.id: i for i in report.definitions}
    _sheet(workbook, "Рейтинг", RANKING_COLUMNS, ranking_rows(report))
    indicator_rows = [
        [
            r.region_code,
            r.region_name,
            i.indicator,
            definitions[i.indicator].name_ru,
            i.block,
            i.value,
            i.numerator,
            i.denominator,
            i.clip_low,
            i.clip_high,
            i.score,
            definitions[i.indicator].weight,
            definitions[i.indicator].weight * i.score,
        ]
        for r in regions
        for i in r.indicators.values()
    ]
    _sheet(workbook, "Показатели", INDICATOR_COLUMNS, indicator_rows)
    _sheet(workbook, "Что исправить", FIX_COLUMNS, fix_rows(report, gains))
    params = methodology.params
    method_rows = [[i.id, i.block, i.name_ru, i.kind, i.weight] for i in report.definitions]
    method_rows += [[], ["Параметр", "", "Значение"]] + [[name, "", value] for name, value in params.items()]
    method_rows += [[], ["Методика", "", report.run.methodology_version], ["Снимок", "", report.run.snapshot_id]]
    method_rows += [["Версия", "", report.run.version], ["Хеш содержания", "", report.run.content_hash]]
    _sheet(
        workbook,
        "Методика",
        [("Показатель", 22, None), ("Блок", 6, None), ("Название", 30, None), ("Вид", 12, None), ("Вес", 8, "0.00")],
        method_rows,
    )
    check_rows = [
        [c.stage, c.suite, c.chunk, "да" if c.success else "НЕТ", c.evaluated, c.successful, c.rows]
        for c in report.checks
    ]
    check_rows += [[], ["Покрытие статистикой страниц", "", "", f"{report.run.page_stats_coverage:.2%}"]]
    _sheet(workbook, "Проверки", CHECK_COLUMNS, check_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    workbook.save(tmp)
    tmp.replace(path)
    return path


def csv_text(columns, rows) -> str:
    """CSV as Russian Excel opens it: UTF-8 with a BOM, ';' between fields, decimal commas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([name for name, _, _ in columns])
    for row in rows:
        writer.writerow(["" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v for v in row])
    return "\ufeff" + out.getvalue()
