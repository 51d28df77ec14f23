"""The report's XLSX and CSV, and the «Что исправить» gains on hand-made data.

The hand-made snapshot is the worked example of docs/methodology.md §8 and §12 (region 01; bounds
I6 [0.15, 0.55], I7 [0.005, 0.045], I8 [0.25, 1.0]). Expected gains, computed by hand:
- no_page (org d has no live vk/ok page): I1 3/4 → 1, score 75 → 100, block 1 70 → 80,
  total 0.5·80 + 0.5·67.1875 = 73.59375 → 73.6: +5.0
- no_mark (ok:b, vk:c, ok:c unmarked): I2 0.5 → 1, block 1 → 80: +5.0
- no_admin (b, c): I4 0.5 → 1, block 1 → 80: +5.0
- irregular (telegram:b, vk:c): I5 → 1 (score 100); both become measurable:
  reach 300/300 = 1.0 and 200/250 = 0.8, engagement 9/600 = 0.015 and 4/200 = 0.02;
  I6 median of 0.2 0.3 0.5 0.6 0.8 1.0 = 0.55 → score 100; I7 median of
  0.01 0.015 0.02 0.02 0.025 0.03 = 0.02 → 100·0.015/0.04 = 37.5; I8 unchanged 100;
  block 2 = 30 + 30 + 9.375 + 15 = 84.375, total 0.5·70 + 0.5·84.375 = 77.1875 → 77.2: +8.6
- no_pos: every mandatory page is connected: no item, no gain.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import gospublic_rating.reporting.tables  # noqa: F401  (the package imports it when it renders; the tests use it first)
import openpyxl
import pyarrow as pa
import pytest
from gospublic_rating import reporting, warehouse
from gospublic_rating.methodology import load
from gospublic_rating.warehouse import duckdb_file, postgres
from gospublic_rating.warehouse.schema import BY_NAME, TABLES
from warehouse_backends import backend  # noqa: F401  (fixture)

SNAPSHOT = "2026-10-files-hand"
# page, org, platform, live, followers, posts, views, likes, comments, gov_mark, pos, reach, engagement
PAGES = [
    ("vk:a", "a", "vk", True, 1000, 10, 5000, 90, 10, True, True, 0.5, 0.02),
    ("ok:a", "a", "ok", True, 500, 5, 1500, 40, 5, True, True, 0.6, 0.03),
    ("telegram:a", "a", "telegram", True, 2000, 20, 8000, 80, 0, False, False, 0.2, 0.01),
    ("vk:b", "b", "vk", True, 400, 4, 480, 8, 4, True, True, 0.3, 0.025),
    ("ok:b", "b", "ok", True, 0, 6, 220, 0, 0, False, True, None, None),
    ("telegram:b", "b", "telegram", True, 300, 2, 600, 9, 0, False, False, None, None),
    ("vk:c", "c", "vk", True, 250, 1, 200, 3, 1, False, True, None, None),
    ("ok:c", "c", "ok", True, 800, 4, 0, 0, 0, False, True, None, None),
    ("vk:d", "d", "vk", False, 100, 3, 900, 0, 3, False, False, None, None),
]
URLS = {"telegram:b": "https://t.me/b_page", "ok:c": "https://ok.ru/c_page"}
INDICATOR_FIELDS = ("indicator", "block", "value", "score", "numerator", "denominator", "clip_low", "clip_high")
INDICATORS = [
    ("I1", 1, 0.75, 75.0, 3, 4, None, None),
    ("I2", 1, 0.5, 50.0, 3, 6, None, None),
    ("I3", 1, 1.0, 100.0, 6, 6, None, None),
    ("I4", 1, 0.5, 50.0, 2, 4, None, None),
    ("I5", 2, 0.75, 75.0, 6, 8, None, None),
    ("I6", 2, 0.4, 62.5, None, 4, 0.15, 0.55),
    ("I7", 2, 0.0225, 43.75, None, 4, 0.005, 0.045),
    ("I8", 2, 1.25, 100.0, 20, 16000, 0.25, 1.0),
]
ORGS = [  # org, name, kind, admin_qualified
    ("a", "Администрация А", "regional_authority", True),
    ("b", "Министерство Б", "regional_authority", False),
    ("c", "Комитет В", "local_government", False),
    ("d", "Школа Г", "subordinate_institution", True),
]


def _rows(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{"snapshot_id": SNAPSHOT, **row} for row in rows], schema=BY_NAME[name].arrow_schema)


def _hand_made_tables() -> dict[str, pa.Table]:
    methodology = load("v1")
    pages = [
        {
            "page_id": page,
            "org_id": org,
            "region_code": "01",
            "platform": platform,
            "platform_page_id": page.split(":")[1] + "_page",
            "url": URLS.get(page, f"https://example.org/{page}"),
            "status": "active" if live else "deleted",
            "followers": followers,
            "is_live": live,
            "is_regular": posts >= 4,
            "is_measurable": reach is not None,
            "gov_mark": mark,
            "pos_connected": pos,
            "posts_count": posts,
            "views_total": views,
            "likes_total": likes,
            "comments_total": comments,
            "reposts_total": 0,
            "reach_ratio": reach,
            "engagement_ratio": eng,
        }
        for page, org, platform, live, followers, posts, views, likes, comments, mark, pos, reach, eng in PAGES
    ]
    run = {
        "period": "2026-10",
        "source": "files",
        "is_demo": False,
        "version": 2,
        "methodology_version": "v1",
        "methodology_sha256": "0" * 64,
        "methodology_toml": methodology.toml_text,
        "page_stats_coverage": 1.0,
        "pages_count": 9,
        "posts_count": 55,
        "published_at": datetime(2026, 11, 2, tzinfo=UTC),
        "dag_run_id": "hand",
        "code_version": "0",
        "lake_path": "lake/2026-10/gone",  # the report never reads the lake
        "seq": 1,
        "content_hash": "c0ffee" + "0" * 58,
        "chain_hash": "1" * 64,
    }
    fields = ("block", "name", "kind", "weight", "name_ru", "name_en", "formula")
    return {
        "runs": _rows("runs", [run]),
        "organizations": _rows(
            "organizations",
            [
                {"org_id": o, "region_code": "01", "org_name": n, "org_kind": k, "admin_qualified": q, "pages_count": 1}
                for o, n, k, q in ORGS
            ],
        ),
        "indicator_definitions": _rows(
            "indicator_definitions",
            [{"indicator": i.id, **{f: getattr(i, f) for f in fields}} for i in methodology.indicators],
        ),
        "indicators": _rows(
            "indicators",
            [dict(zip(INDICATOR_FIELDS, r, strict=True)) | {"region_code": "01"} for r in INDICATORS],
        ),
        "ranking": _rows(
            "ranking",
            [
                {
                    "region_code": "01",
                    "region_name": "Республика Адыгея",
                    "federal_district": "Южный",
                    "block1": 70.0,
                    "block2": 67.1875,
                    "total": 68.59375,
                    "points": 68.6,
                    "place": 1,
                }
            ],
        ),
        "page_metrics": _rows("page_metrics", pages),
    }


@pytest.fixture
def hand_made(backend):  # noqa: F811
    """The hand-made snapshot, written straight into the warehouse of each back end."""
    where = warehouse.location()
    tables = _hand_made_tables()
    writer = postgres.writer(where) if backend == "postgres" else duckdb_file.writer(Path(where))
    with writer as out:
        for table in TABLES:
            if table.name in tables:
                out.insert(table.name, tables[table.name])
    return where


def test_gains_are_the_hand_computed_ones(hand_made):
    report = reporting.data.load(hand_made, SNAPSHOT)
    methodology = load("v1")
    assert reporting.gains.gains(report, methodology) == {
        ("01", "no_page"): 5.0,
        ("01", "no_mark"): 5.0,
        ("01", "no_admin"): 5.0,
        ("01", "irregular"): 8.6,
    }
    assert report.fix_counts == {
        ("01", "no_page"): 1,
        ("01", "no_mark"): 3,
        ("01", "no_admin"): 2,
        ("01", "irregular"): 2,
    }


def test_xlsx_lists_what_to_fix_with_names_links_and_gains(hand_made, tmp_path):
    path = reporting.write(hand_made, SNAPSHOT, "xlsx", tmp_path, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Рейтинг", "Показатели", "Что исправить", "Методика", "Проверки"]
    fixes = book["Что исправить"]
    assert fixes.freeze_panes == "A2" and fixes.auto_filter.ref == "A1:J10"
    rows = [r for r in fixes.iter_rows(min_row=2, values_only=True)]
    listed = sorted(((r[2], r[4], r[7], r[8], r[3]) for r in rows), key=str)
    assert listed == sorted(
        [
            ("Нет живой страницы на обязательной площадке", "d", "vk", None, 5.0),
            ("Нет живой страницы на обязательной площадке", "d", "ok", None, 5.0),
            ("Страница без отметки «Госорганизация»", "b", "ok", "ok:b", 5.0),
            ("Страница без отметки «Госорганизация»", "c", "vk", "vk:c", 5.0),
            ("Страница без отметки «Госорганизация»", "c", "ok", "ok:c", 5.0),
            ("Нет обученного администратора", "b", None, None, 5.0),
            ("Нет обученного администратора", "c", None, None, 5.0),
            ("Нерегулярная страница", "b", "telegram", "telegram:b", 8.6),
            ("Нерегулярная страница", "c", "vk", "vk:c", 8.6),
        ],
        key=str,
    )
    by_page = {r[8]: r for r in rows if r[8]}
    assert by_page["telegram:b"][5] == "Министерство Б" and by_page["telegram:b"][9] == "https://t.me/b_page"
    assert by_page["ok:c"][6] == "local_government" and by_page["ok:c"][9] == "https://ok.ru/c_page"
    assert fixes.cell(2, 4).number_format == "0.0"
    method = {r[0]: r[2] for r in book["Методика"].iter_rows(values_only=True) if r and r[0]}
    assert method["Версия"] == 2 and method["Хеш содержания"] == "c0ffee" + "0" * 58
    assert method["I1"] == "Присутствие на обязательных платформах"  # snapshot.indicator_definitions.name_ru


def test_what_to_fix_beyond_one_excel_sheet_continues_on_numbered_sheets(hand_made, tmp_path, monkeypatch):
    """Ten times the nation lists more than the 1,048,575 rows an Excel sheet holds under its
    header: the list goes on in «Что исправить (2)», … each with its header, nothing lost."""
    whole = openpyxl.load_workbook(reporting.write(hand_made, SNAPSHOT, "xlsx", tmp_path, tmp_path / "one.xlsx"))
    expected = [r for r in whole["Что исправить"].iter_rows(values_only=True)]
    monkeypatch.setattr(reporting.tables, "EXCEL_MAX_ROWS", 5)  # 4 items a sheet
    book = openpyxl.load_workbook(reporting.write(hand_made, SNAPSHOT, "xlsx", tmp_path, tmp_path / "r.xlsx"))
    parts = ["Что исправить", "Что исправить (2)", "Что исправить (3)"]
    assert book.sheetnames == ["Рейтинг", "Показатели", *parts, "Методика", "Проверки"]
    sheets = [[r for r in book[name].iter_rows(values_only=True)] for name in parts]
    assert [len(rows) for rows in sheets] == [1 + 4, 1 + 4, 1 + 1]
    assert all(rows[0] == expected[0] for rows in sheets)
    assert [row for rows in sheets for row in rows[1:]] == expected[1:]
    assert book["Что исправить (3)"].freeze_panes == "A2" and book["Что исправить (3)"].auto_filter.ref == "A1:J2"


def test_a_duckdb_warehouse_is_read_in_place_not_copied_into_memory(hand_made, backend, monkeypatch):  # noqa: F811
    """At ten times the nation a snapshot's pages alone are 0.6 GB: the report reads the DuckDB file
    attached read-only, and only a PostgreSQL warehouse's rows are fetched into Arrow."""
    fetched = []
    for reader in (duckdb_file.Reader, postgres.Reader):
        real = reader.read
        monkeypatch.setattr(
            reader, "read", lambda self, name, *a, _real=real: fetched.append(name) or _real(self, name, *a)
        )
    report = reporting.data.load(hand_made, SNAPSHOT, items=True)
    assert report.fix_items.num_rows == 9
    if backend == "duckdb":
        assert fetched == []
    else:
        assert {"runs", "ranking", "page_metrics", "organizations"} <= set(fetched)


def test_html_header_cites_version_and_content_hash(hand_made, tmp_path):
    text = reporting.write(hand_made, SNAPSHOT, "html", tmp_path).read_text(encoding="utf-8")
    assert "<td>Версия</td><td><b>2 " in text
    assert f"<td>Хеш содержания</td><td><b>c0ffee{'0' * 58}</b>" in text
    assert "Присутствие на обязательных платформах" in text and 'id="demo-banner"' not in text


def test_csv_of_a_region_lists_what_to_fix(hand_made, tmp_path):
    path = reporting.write(hand_made, SNAPSHOT, "csv", tmp_path, region="01")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:4] == ["Код", "Регион", "Что исправить", "Прибавка группы, баллы"] and len(rows) == 1 + 9
    assert {r[3] for r in rows[1:]} == {"5,0", "8,6"}


def test_published_report_reads_the_snapshot_once_for_html_and_xlsx(hand_made, tmp_path, monkeypatch):
    loads = []
    real_load = reporting.data.load
    monkeypatch.setattr(reporting.data, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    html_path, xlsx_path = reporting.write_published(hand_made, SNAPSHOT, tmp_path)
    assert len(loads) == 1
    assert html_path.name == f"{SNAPSHOT}.html" and 'id="top10-table"' in html_path.read_text(encoding="utf-8")
    fixes = openpyxl.load_workbook(xlsx_path)["Что исправить"]
    assert fixes.max_row == 1 + 9 and {r[3] for r in fixes.iter_rows(min_row=2, values_only=True)} == {5.0, 8.6}


def test_workbook_takes_an_arrow_sheet_only_under_its_headers(tmp_path):
    columns = [("Код", 6, None), ("Баллы", 9, "0.0")]
    path = tmp_path / "a.xlsx"
    reporting.tables._workbook(path, [("Данные", columns, pa.table({"Код": ["01", "02"], "Баллы": [7.5, None]}))])
    data = openpyxl.load_workbook(path)["Данные"]
    assert [list(r) for r in data.iter_rows(values_only=True)] == [["Код", "Баллы"], ["01", 7.5], ["02", None]]
    assert data.freeze_panes == "A2" and data.auto_filter.ref == "A1:B3" and data.cell(2, 2).number_format == "0.0"
    with pytest.raises(ValueError, match="sheet Данные: columns"):
        reporting.tables._workbook(path, [("Данные", columns, pa.table({"Баллы": [1.0], "Код": ["01"]}))])


def test_xlsx_and_csv_of_a_published_snapshot(run_month, tmp_path):
    run_month("october", scale=400)
    path = reporting.write(None, "2026-10", "xlsx", tmp_path)
    book = openpyxl.load_workbook(path)
    ranking = book["Рейтинг"]
    assert ranking.max_row == 1 + 89 and ranking.freeze_panes == "A2" and ranking.auto_filter.ref == "A1:I90"
    assert [c.value for c in ranking[1]][:6] == ["Место", "Движение", "Код", "Регион", "Федеральный округ", "Баллы"]
    assert ranking.cell(2, 6).number_format == "0.0" and int(ranking.column_dimensions["D"].width) == 40
    assert book["Показатели"].max_row == 1 + 89 * 9  # methodology v2 (the default): I1..I9
    assert book["Проверки"]["A2"].value in {"intermediate", "marts", "raw", "staging"}

    csv_path = reporting.write(None, "2026-10", "csv", tmp_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:4] == ["Место", "Движение", "Код", "Регион"] and len(rows) == 1 + 89
    assert all("," in row[5] or row[5].isdigit() for row in rows[1:]), "points with a decimal comma"


def test_history_shows_the_latest_version_of_each_period(backend, run_month, capsys):  # noqa: F811
    from gospublic_rating.cli import main

    run_month("september", period="2026-09")
    run_month("october-1")
    run_month("october-2", scale=450)  # other content: version 2 of 2026-10
    with warehouse.open_reader() as reader:
        rows = reader.con.execute(
            "select period, place, points, version from snapshot.ranking_history where region_code = '77' "
            "order by period"
        ).fetchall()
        runs = reader.read("runs").to_pylist()
        ranking = reader.read("ranking").to_pylist()
    newest = next(r["snapshot_id"] for r in runs if r["dag_run_id"] == "october-2")
    september = next(r["snapshot_id"] for r in runs if r["dag_run_id"] == "september")
    expected = [
        (period, k["place"], k["points"], version)
        for period, sid, version in (("2026-09", september, 1), ("2026-10", newest, 2))
        for k in ranking
        if k["snapshot_id"] == sid and k["region_code"] == "77"
    ]
    assert [tuple(r) for r in rows] == expected
    capsys.readouterr()
    assert main(["history", "77"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[1].startswith("2026-09") and lines[2].startswith("2026-10")
    assert lines[1].endswith(" 1") and lines[2].endswith(" 2"), "the version used"


def test_workbook_keeps_short_rows_in_their_columns_and_headers_of_empty_sheets(tmp_path):
    """rustpy-xlsxwriter writes a record's values by position and the header from the first record."""
    columns = [("Код", 6, None), ("Регион", 30, None), ("Баллы", 9, "0.0")]
    path = tmp_path / "w.xlsx"
    reporting.tables._workbook(path, [("Данные", columns, [["01", None, 7.5], [], ["02"]]), ("Пусто", columns, [])])
    book = openpyxl.load_workbook(path)
    data, empty = book["Данные"], book["Пусто"]
    assert [list(r) for r in data.iter_rows(values_only=True)] == [
        ["Код", "Регион", "Баллы"],
        ["01", None, 7.5],
        [None, None, None],
        ["02", None, None],
    ]
    assert data.freeze_panes == "A2" and data.auto_filter.ref == "A1:C4" and data.cell(2, 3).number_format == "0.0"
    assert data.cell(1, 1).font.b and int(data.column_dimensions["B"].width) == 30
    assert [list(r) for r in empty.iter_rows(values_only=True)] == [["Код", "Регион", "Баллы"]]
    assert empty.freeze_panes == "A2" and empty.auto_filter.ref.startswith("A1:C")


def test_postgres_gets_a_missing_view_at_the_next_publication(run_month, monkeypatch):
    """A PostgreSQL warehouse made before snapshot.ranking_history existed gains it when it next publishes."""
    import psycopg
    from warehouse_backends import fresh_postgres_database

    with fresh_postgres_database() as url:
        monkeypatch.setenv("GOSPUBLIC_WAREHOUSE_URL", url)
        run_month("september", period="2026-09")
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("drop view snapshot.ranking_history")
        run_month("october")
        with warehouse.open_reader() as reader:
            count = reader.con.execute("select count(*) from snapshot.ranking_history").fetchone()[0]
    assert count == 2 * 89


def test_the_lists_sorted_in_passes_over_regions_equal_the_lists_sorted_at_once(run_month, monkeypatch):
    """Ten times the nation sorts its 3.2 million «Что исправить» rows a few regions at a time."""
    run_month("october", scale=400)
    whole = reporting.data.load(None, "2026-10", items=True).fix_items
    monkeypatch.setattr(reporting.data, "_ITEMS_PER_PASS", 40)
    passes = reporting.data.load(None, "2026-10", items=True).fix_items
    assert whole.num_rows > 4 * 40
    assert passes["region_code"].num_chunks > whole["region_code"].num_chunks
    assert passes.equals(whole)
    assert passes["region_code"].to_pylist() == sorted(passes["region_code"].to_pylist())
