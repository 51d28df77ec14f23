"""The HTML report of a published national-scale snapshot, opened in a real browser (Playwright
driving Debian's chromium): offline, complete, sortable. Saves a screenshot under pytest's tmp dir."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from gospublic_rating import reporting
from gospublic_rating.lake import data_dir, warehouse_path

pytestmark = pytest.mark.integration

NATIONAL_SCALE = 150_000

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run `make setup` (Debian package chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 900})
        finally:
            browser.close()


def test_the_report_works_offline_in_a_browser(run_month, browser_page, tmp_path):
    # The report of a national-scale snapshot (150,000 organisations); the month before it (also
    # national: the volume checks compare a month with the one before) gives every region a
    # movement and a place history.
    run_month("september", period="2026-09", scale=NATIONAL_SCALE)
    run_month("october", period="2026-10", scale=NATIONAL_SCALE)
    path = reporting.write(warehouse_path(), "2026-10", "html", data_dir() / "reports")
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        snapshot_id = con.execute("select snapshot_id from snapshot.runs where period = '2026-10'").fetchone()[0]
        shared_top = dict(
            con.execute(
                "select region_name, place from snapshot.ranking where snapshot_id = ? and place <= 10 "
                "qualify count(*) over (partition by place) > 1",
                [snapshot_id],
            ).fetchall()
        )
        organisations = con.execute(
            "select count(*) from snapshot.organizations where snapshot_id = ?", [snapshot_id]
        ).fetchone()[0]
    assert organisations == NATIONAL_SCALE
    assert shared_top, "this seed's snapshot has a shared place in the top 10 (the check needs one)"

    page = browser_page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    assert requests == [path.as_uri()], f"requests left the file: {requests}"

    assert page.locator("#ranking tbody tr").count() == 89
    assert page.locator("#demo-banner").is_visible()
    assert "ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ" in page.locator("#demo-banner").inner_text()
    top10 = dict(
        (row.locator("td").nth(1).inner_text(), row.locator("td").nth(0).inner_text())
        for row in page.locator("#top10-table tbody tr").all()
    )
    for name, place in shared_top.items():
        assert top10[name] == f"{place}=", name
    assert any(mark in "".join(page.locator("#ranking tbody tr td:nth-child(2)").all_inner_texts()) for mark in "▲▼=")

    charts = page.locator("svg.chart")
    assert charts.count() >= 10  # blocks, districts, 8 indicator distributions (+ place lines)
    for n in range(10):
        chart = charts.nth(n)
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 20
        assert chart.locator("rect.bar, circle.dot").count() > 0
    assert page.locator("svg.chart rect.bar").count() == 2 * 89
    assert page.locator("#r-77 svg.chart polyline.line").count() == 1, "two periods: a place history line"

    def block2_column() -> list[float]:
        return [
            float(v) for v in page.eval_on_selector_all("#ranking tbody tr", "rs => rs.map(r => r.cells[5].dataset.v)")
        ]

    assert block2_column() != sorted(block2_column())
    page.locator("#ranking th", has_text="блок 2").click()
    assert block2_column() == sorted(block2_column())
    page.locator("#ranking th", has_text="блок 2").click()
    assert block2_column() == sorted(block2_column(), reverse=True)

    screenshot = tmp_path / "report-first-screen.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000
    assert requests == [path.as_uri()]
