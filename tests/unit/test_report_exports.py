"""The report's XLSX and CSV, and the «Что исправить» gains on hand-made data.

The hand-made snapshot is the worked example of docs/methodology.md §8 (region 01; bounds
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

import duckdb
import openpyxl
import pyarrow as pa
import pytest
from gospublic_rating import reporting
from gospublic_rating.lake import data_dir, warehouse_path, write_parquet
from gospublic_rating.methodology import load
from gospublic_rating.warehouse import SCHEMA_SQL

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
INDICATORS = [  # indicator, block, value, score, numerator, denominator, clip_low, clip_high
    ("I1", 1, 0.75, 75.0, 3, 4, None, None),
    ("I2", 1, 0.5, 50.0, 3, 6, None, None),
    ("I3", 1, 1.0, 100.0, 6, 6, None, None),
    ("I4", 1, 0.5, 50.0, 2, 4, None, None),
    ("I5", 2, 0.75, 75.0, 6, 8, None, None),
    ("I6", 2, 0.4, 62.5, None, 4, 0.15, 0.55),
    ("I7", 2, 0.0225, 43.75, None, 4, 0.005, 0.045),
    ("I8", 2, 1.25, 100.0, 20, 16000, 0.25, 1.0),
]


@pytest.fixture
def hand_made():
    lake = data_dir() / "lake" / "2026-10" / "hand"
    write_parquet(
        pa.table(
            {
                "org_id": ["a", "b", "c", "d"],
                "region_code": ["01"] * 4,
                "org_name": ["Администрация А", "Министерство Б", "Комитет В", "Школа Г"],
                "org_kind": ["администрация", "министерство", "комитет", "учреждение"],
                "admin_qualified": [True, False, False, True],
            }
        ),
        lake / "raw" / "organizations.parquet",
    )
    write_parquet(
        pa.table(
            {
                "page_id": [p[0] for p in PAGES],
                "org_id": [p[1] for p in PAGES],
                "platform": [p[2] for p in PAGES],
                "platform_page_id": [p[0].split(":")[1] + "_page" for p in PAGES],
            }
        ),
        lake / "raw" / "pages.parquet",
    )
    warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse_path())) as con:
        con.execute(SCHEMA_SQL)
        con.execute(
            "insert into snapshot.runs values (?, '2026-10', 'v1', 'files', false, ?, 'hand', 1.0, 9, 55, ?, ?)",
            [SNAPSHOT, datetime(2026, 11, 2, tzinfo=UTC), str(lake), load("v1").toml_text],
        )
        con.execute(
            "insert into snapshot.ranking values "
            "(?, '01', 'Республика Адыгея', 'Южный', 70, 67.1875, 68.59375, 68.6, 1)",
            [SNAPSHOT],
        )
        con.executemany(
            "insert into snapshot.indicators values (?, '01', ?, ?, ?, ?, ?, ?, ?, ?)",
            [(SNAPSHOT, *row) for row in INDICATORS],
        )
        for page, org, platform, live, followers, posts, views, likes, comments, mark, pos, reach, eng in PAGES:
            regular = posts >= 4
            con.execute(
                "insert into snapshot.page_metrics values (?, ?, ?, '01', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                [
                    SNAPSHOT,
                    page,
                    org,
                    platform,
                    "active" if live else "deleted",
                    followers,
                    live,
                    regular,
                    reach is not None,
                    mark,
                    pos,
                    posts,
                    views,
                    likes,
                    comments,
                    reach,
                    eng,
                ],
            )
    return lake


def test_gains_are_the_hand_computed_ones(hand_made):
    report, methodology, gains = reporting._prepare(warehouse_path(), SNAPSHOT)
    assert gains == {("01", "no_page"): 5.0, ("01", "no_mark"): 5.0, ("01", "no_admin"): 5.0, ("01", "irregular"): 8.6}
    assert report.fix_counts == {
        ("01", "no_page"): 1,
        ("01", "no_mark"): 3,
        ("01", "no_admin"): 2,
        ("01", "irregular"): 2,
    }


def test_xlsx_lists_what_to_fix_with_names_links_and_gains(hand_made, tmp_path):
    path = reporting.write(warehouse_path(), SNAPSHOT, "xlsx", tmp_path, tmp_path / "r.xlsx")
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
    assert by_page["ok:c"][6] == "комитет" and by_page["ok:c"][9] == "https://ok.ru/group/c_page"
    assert fixes.cell(2, 4).number_format == "0.0"


def test_xlsx_and_csv_of_a_published_snapshot(run_month, tmp_path):
    run_month("october", scale=400)
    path = reporting.write(warehouse_path(), "2026-10", "xlsx", tmp_path)
    book = openpyxl.load_workbook(path)
    ranking = book["Рейтинг"]
    assert ranking.max_row == 1 + 89 and ranking.freeze_panes == "A2" and ranking.auto_filter.ref == "A1:I90"
    assert [c.value for c in ranking[1]][:6] == ["Место", "Движение", "Код", "Регион", "Федеральный округ", "Баллы"]
    assert ranking.cell(2, 6).number_format == "0.0" and ranking.column_dimensions["D"].width == 40
    assert book["Показатели"].max_row == 1 + 89 * 8
    assert book["Проверки"]["A2"].value in {"intermediate", "marts", "raw", "staging"}

    csv_path = reporting.write(warehouse_path(), "2026-10", "csv", tmp_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:4] == ["Место", "Движение", "Код", "Регион"] and len(rows) == 1 + 89
    assert all("," in row[5] or row[5].isdigit() for row in rows[1:]), "points with a decimal comma"


def test_history_shows_the_latest_snapshot_of_each_period(run_month, capsys):
    from gospublic_rating.cli import main

    run_month("september", period="2026-09")
    run_month("october-1")
    run_month("october-2", scale=450)
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        newest = con.execute("select snapshot_id from snapshot.runs where dag_run_id = 'october-2'").fetchone()[0]
        rows = con.execute(
            "select period, snapshot_id from snapshot.ranking_history where region_code = '77'"
        ).fetchall()
    assert len(rows) == 2 and dict(rows)["2026-10"] == newest
    capsys.readouterr()
    assert main(["history", "77"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[1].startswith("2026-09") and lines[2].startswith("2026-10")
    assert lines[2].endswith(newest)
