"""The report as tables: the XLSX workbook (rustpy-xlsxwriter) and CSV files for Russian Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import rustpy_xlsxwriter

from ..methodology import Methodology
from .data import FIX_GROUPS, FIX_ITEM_COLUMNS, Report
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
EXCEL_MAX_ROWS = 1_048_576  # rows of one Excel sheet, the header included
FIX_SHEET = "Что исправить"
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
METHOD_COLUMNS = [
    ("Показатель", 22, None),
    ("Блок", 6, None),
    ("Название", 30, None),
    ("Вид", 12, None),
    ("Вес", 8, "0.00"),
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


def _lookup(column: pa.ChunkedArray, mapping: dict[str, object], type_: pa.DataType) -> pa.ChunkedArray:
    """``mapping[value]`` for each value of ``column`` (null where absent), column-wise."""
    return pa.array(list(mapping.values()), type_).take(pc.index_in(column, pa.array(list(mapping), pa.string())))


def fix_table(report: Report, gains: dict) -> pa.Table:
    """The «Что исправить» lists under FIX_COLUMNS' headers, computed column-wise (Arrow): region
    name, group label and the group's gain are looked up by (region, group), not row by row."""
    items = report.fix_items if report.fix_items is not None else pa.table({c: [] for c in FIX_ITEM_COLUMNS})
    items = items.cast(pa.schema([(c, pa.string()) for c in FIX_ITEM_COLUMNS]))
    key = pc.binary_join_element_wise(items["region_code"], items["grp"], "/")
    columns = [
        items["region_code"],
        _lookup(items["region_code"], {r.region_code: r.region_name for r in report.regions}, pa.string()),
        _lookup(items["grp"], {group: label for group, (label, _) in FIX_GROUPS.items()}, pa.string()),
        _lookup(key, {f"{code}/{group}": gain for (code, group), gain in gains.items()}, pa.float64()),
        *(items[c] for c in FIX_ITEM_COLUMNS[2:]),
    ]
    return pa.table(columns, names=[name for name, _, _ in FIX_COLUMNS])


def fix_sheets(table: pa.Table) -> list[tuple[str, list, pa.Table]]:
    """The «Что исправить» sheet, continued on «Что исправить (2)», «(3)»… when the lists exceed what
    one Excel sheet holds (1,048,576 rows with the header: ten times the national scale does)."""
    limit = EXCEL_MAX_ROWS - 1
    parts = [table.slice(start, limit) for start in range(0, max(table.num_rows, 1), limit)]
    return [(FIX_SHEET if n == 0 else f"{FIX_SHEET} ({n + 1})", FIX_COLUMNS, part) for n, part in enumerate(parts)]


def fix_rows(report: Report, gains: dict) -> list[list]:
    table = fix_table(report, gains)
    return [list(row) for row in zip(*(column.to_pylist() for column in table.columns), strict=True)]


def _workbook(path: Path, sheets: list[tuple[str, list, list[list] | pa.Table]]) -> None:
    """Write ``(title, columns, rows)`` sheets: bold header frozen above an autofilter, widths
    and number formats per column. Rust-backed (national scale: ~325,000 «Что исправить» rows).

    ``rows`` is a list of rows or an Arrow table whose column names are the headers (written
    as it is, without Python objects per cell). Each row of a list becomes a record keyed by
    header with every column present (rustpy-xlsxwriter 0.8 places a record's values by
    position, not by key; a row longer than its header raises), and the header comes from the
    first record, so a sheet without rows gets one blank record.
    """
    records, widths, formats = [], {}, {}
    for title, columns, rows in sheets:
        names = [name for name, _, _ in columns]
        if isinstance(rows, pa.Table):
            if rows.column_names != names:
                raise ValueError(f"sheet {title}: columns {rows.column_names}, expected {names}")
            records.append((title, rows))
        else:
            blank = [None] * len(names)
            records.append((title, [dict(zip(names, [*row, *blank[len(row) :]], strict=True)) for row in rows or [[]]]))
        widths[title] = {name: width for name, width, _ in columns}
        formats[title] = {name: rustpy_xlsxwriter.Format().set_num_format(fmt) for name, _, fmt in columns if fmt}
    rustpy_xlsxwriter.write_worksheets(
        records,
        str(path),
        freeze_panes={title: {"row": 1, "col": 0} for title, _, _ in sheets},
        bold_headers=True,
        column_widths=widths,
        column_formats=formats,
        autofilter={title: True for title, _, _ in sheets},
    )


def write_xlsx(path: Path, report: Report, methodology: Methodology, gains: dict, region: str | None = None) -> Path:
    regions = [r for r in report.regions if region is None or r.region_code == region]
    definitions = {i.id: i for i in report.definitions}
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
    params = methodology.params
    method_rows = [[i.id, i.block, i.name_ru, i.kind, i.weight] for i in report.definitions]
    method_rows += [[], ["Параметр", "", "Значение"]] + [[name, "", value] for name, value in params.items()]
    method_rows += [[], ["Методика", "", report.run.methodology_version], ["Снимок", "", report.run.snapshot_id]]
    method_rows += [["Версия", "", report.run.version], ["Хеш содержания", "", report.run.content_hash]]
    check_rows = [
        [c.stage, c.suite, c.chunk, "да" if c.success else "НЕТ", c.evaluated, c.successful, c.rows]
        for c in report.checks
    ]
    check_rows += [[], ["Покрытие статистикой страниц", "", "", f"{report.run.page_stats_coverage:.2%}"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    _workbook(
        tmp,
        [
            ("Рейтинг", RANKING_COLUMNS, ranking_rows(report)),
            ("Показатели", INDICATOR_COLUMNS, indicator_rows),
            *fix_sheets(fix_table(report, gains)),
            ("Методика", METHOD_COLUMNS, method_rows),
            ("Проверки", CHECK_COLUMNS, check_rows),
        ],
    )
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
