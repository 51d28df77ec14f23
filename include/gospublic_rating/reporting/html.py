"""The HTML report of a snapshot: one self-contained Russian page that works offline."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from ..methodology import Methodology
from . import svg
from .data import FIX_GROUPS, Region, Report

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1em 1.5em;color:#222}
h1{font-size:1.6em;margin:.3em 0}h2{margin-top:1.6em;border-bottom:2px solid #2f6db5}h3{margin:1.2em 0 .3em}
.banner{background:#b00020;color:#fff;font-weight:bold;padding:.6em 1em;font-size:1.15em;margin:.5em 0}
.meta td{border:0;padding:1px 10px 1px 0}.meta td:first-child{color:#666}
table{border-collapse:collapse;margin:.4em 0 1em}th,td{border:1px solid #ddd;padding:3px 7px}
th{background:#f2f4f7;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer}table.sortable th:after{content:" ⇅";color:#aaa}
.up{color:#176f2c}.down{color:#b00020}.new{color:#2f6db5}.small{color:#666;font-size:.9em}
.charts svg{display:block;margin:.5em 0}.region{border-top:1px solid #ccc;margin-top:1.2em}
"""
_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function(th,i){th.addEventListener("click",function(){
var body=th.closest("table").tBodies[0],asc=th.dataset.dir!=="asc";th.dataset.dir=asc?"asc":"desc";
var key=function(r){var c=r.cells[i];return c.dataset.v!==undefined?parseFloat(c.dataset.v):c.textContent;};
Array.from(body.rows).sort(function(a,b){var x=key(a),y=key(b);
var d=typeof x==="number"?x-y:String(x).localeCompare(String(y),"ru");return asc?d:-d;})
.forEach(function(r){body.appendChild(r);});});});
"""


def num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def place_label(region: Region) -> str:
    return f"{region.place}=" if region.shared else str(region.place)


def movement(region: Region, has_previous: bool) -> tuple[str, str, int]:
    """(html, css class, sort value) of the place change against the previous period."""
    if not has_previous:
        return "", "", 0
    if region.previous_place is None:
        return "новый", "new", 0
    delta = region.previous_place - region.place
    if delta > 0:
        return f"▲{delta}", "up", delta
    if delta < 0:
        return f"▼{-delta}", "down", delta
    return "=", "", 0


def _header(report: Report) -> str:
    run = report.run
    banner = (
        '<div class="banner" id="demo-banner">ДЕМОНСТРАЦИОННЫЕ ДАННЫЕ — это не настоящий рейтинг: '
        "показатели сгенерированы синтетически.</div>"
        if run.is_demo
        else ""
    )
    rows = [
        ("Период", run.period),
        ("Методика", run.methodology_version),
        ("Опубликовано", f"{run.published_at:%Y-%m-%d %H:%M %Z}"),
        ("Источник данных", run.source),
        ("Снимок", run.snapshot_id),
        ("Версия", f"{run.version} (последняя опубликованная версия периода — официальная)"),
        ("Хеш содержания", run.content_hash),
    ]
    meta = "".join(f"<tr><td>{k}</td><td><b>{escape(str(v))}</b></td></tr>" for k, v in rows)
    return (
        f"<h1>Рейтинг регионов по ведению госпабликов — {escape(run.period)}</h1>{banner}"
        f'<table class="meta">{meta}</table>'
        '<p class="small">Для ссылки на рейтинг указывайте идентификатор снимка и хеш содержания: '
        "опубликованный снимок не изменяется, хеш (sha256) позволяет проверить, что данные те же.</p>"
    )


def _top10(regions: list[Region]) -> str:
    rows = "".join(
        f'<tr><td class="n">{place_label(r)}</td><td><a href="#r-{r.region_code}">{escape(r.region_name)}</a></td>'
        f'<td class="n">{num(r.points)}</td></tr>'
        for r in regions
        if r.place <= 10
    )
    return (
        '<h2 id="top10">Первая десятка</h2><p class="small">Регионы с равными баллами делят место (отмечено «=»); '
        "следующее место идёт без пропуска, поэтому в десятке может быть больше десяти регионов.</p>"
        f'<table id="top10-table"><thead><tr><th>место</th><th>регион</th><th>баллы</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _full_table(report: Report) -> str:
    has_previous = report.previous_snapshot_id is not None
    rows = []
    for r in report.regions:
        move, css, move_v = movement(r, has_previous)
        rows.append(
            f'<tr><td class="n" data-v="{r.place}">{place_label(r)}</td>'
            f'<td class="n {css}" data-v="{move_v}">{move}</td>'
            f'<td><a href="#r-{r.region_code}">{escape(r.region_name)}</a></td>'
            f'<td class="n" data-v="{r.points}">{num(r.points)}</td>'
            f'<td class="n" data-v="{r.block1}">{num(r.block1)}</td>'
            f'<td class="n" data-v="{r.block2}">{num(r.block2)}</td>'
            f"<td>{escape(r.federal_district)}</td></tr>"
        )
    note = (
        "Движение — против последнего опубликованного снимка предыдущего периода того же источника."
        if has_previous
        else "Предыдущий период этого источника не публиковался: движения нет."
    )
    return (
        f'<h2 id="table">Все регионы</h2><p class="small">{note} Нажмите на заголовок столбца, чтобы отсортировать.</p>'
        '<table class="sortable" id="ranking"><thead><tr><th>место</th><th>движение</th><th>регион</th>'
        "<th>баллы</th><th>блок 1</th><th>блок 2</th><th>федеральный округ</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _charts(report: Report, methodology: Methodology) -> str:
    params = methodology.params
    weights = (params["block1_weight"], params["block2_weight"])
    blocks = svg.stacked_blocks([(r.region_name, r.block1, r.block2) for r in report.regions], weights)
    districts: dict[str, list] = defaultdict(list)
    for r in report.regions:
        districts[r.federal_district or "—"].append((r.region_name, r.points))
    by_district = svg.strips(sorted(districts.items()), 0, 100, label="Баллы по федеральным округам")
    parts = [
        '<h2 id="charts">Графики</h2><div class="charts">',
        "<h3>Блоки по регионам</h3>",
        blocks,
        "<h3>Баллы по федеральным округам</h3><p class='small'>Точка — регион, черта — среднее по округу.</p>",
        by_district,
        "<h3>Распределение показателей по регионам</h3>"
        "<p class='small'>Красные пунктиры — границы отсечения (квантили) непрерывных показателей.</p>",
    ]
    for indicator in report.definitions:
        values = [
            (r.region_name, r.indicators[indicator.id].value)
            for r in report.regions
            if r.indicators[indicator.id].value is not None
        ]
        first = report.regions[0].indicators[indicator.id]
        bounds = (first.clip_low, first.clip_high) if indicator.kind == "continuous" else None
        numbers = [v for _, v in values] + [b for b in (bounds or ()) if b is not None]
        low, high = (0.0, 1.0) if indicator.kind == "share" else (min(numbers, default=0), max(numbers, default=1))
        label = f"{indicator.id} {indicator.name_ru}"
        parts.append(svg.strips([(label, values)], low, high, bounds, label=label))
    parts.append("</div>")
    return "".join(parts)


def _region_section(
    r: Region, report: Report, methodology: Methodology, gains: dict, worst: int, region_count: int
) -> str:
    params = methodology.params
    block_weight = {1: params["block1_weight"], 2: params["block2_weight"]}
    rows = []
    for indicator in report.definitions:
        i = r.indicators[indicator.id]
        bounds = f"{num(i.clip_low, 4)} … {num(i.clip_high, 4)}" if indicator.kind == "continuous" else ""
        contribution = indicator.weight * i.score
        rows.append(
            f"<tr><td>{indicator.id}</td><td>{escape(indicator.name_ru)}</td>"
            f'<td class="n">{num(i.value, 4)}</td><td class="n">{num(i.numerator, 0)}</td>'
            f'<td class="n">{num(i.denominator, 0)}</td><td class="n">{bounds}</td>'
            f'<td class="n">{num(i.score, 2)}</td><td class="n">{indicator.weight:g}</td>'
            f'<td class="n">{num(contribution, 2)}</td>'
            f'<td class="n">{num(contribution * block_weight[indicator.block], 2)}</td></tr>'
        )
    fixes = sorted(
        (
            (gains.get((r.region_code, g), 0.0), g, report.fix_counts.get((r.region_code, g), 0))
            for g in FIX_GROUPS
            if report.fix_counts.get((r.region_code, g))
        ),
        reverse=True,
    )[:5]
    if fixes:
        fix_rows = "".join(
            f'<tr><td>{FIX_GROUPS[g][0]}</td><td class="n">{n}</td>'
            f'<td class="n">{"+" if gain >= 0 else ""}{num(gain)}</td></tr>'
            for gain, g, n in fixes
        )
        fix_html = (
            '<table class="fixes"><thead><tr><th>что исправить</th><th>сколько</th><th>прибавка баллов</th>'
            f"</tr></thead><tbody>{fix_rows}</tbody></table>"
        )
    else:
        fix_html = "<p>Нарушений не найдено.</p>"
    history = ""
    if len(r.history) > 1:
        history = "<h4>Место по периодам</h4>" + svg.place_line([(p, place) for p, place, _ in r.history], worst)
    return (
        f'<section class="region" id="r-{r.region_code}"><h3>{escape(r.region_name)} — место {place_label(r)} '
        f"из {region_count}, {num(r.points)} баллов</h3>"
        f"<p>Блок 1: <b>{num(r.block1, 2)}</b>, блок 2: <b>{num(r.block2, 2)}</b>, итог "
        f"{block_weight[1]:g}·блок 1 + {block_weight[2]:g}·блок 2 = {num(r.total, 4)} → {num(r.points)}</p>"
        "<table><thead><tr><th>id</th><th>показатель</th><th>значение</th><th>числитель</th><th>знаменатель</th>"
        "<th>границы</th><th>оценка</th><th>вес</th><th>вклад в блок</th><th>вклад в итог</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table><h4>Что исправить</h4>{fix_html}{history}</section>"
    )


def _methodology(report: Report, methodology: Methodology) -> str:
    params = methodology.params
    rows = "".join(
        f"<tr><td>{i.id}</td><td>{i.block}</td><td>{escape(i.name_ru)}</td>"
        f"<td>{'доля' if i.kind == 'share' else 'непрерывный'}</td><td class='n'>{i.weight:g}</td></tr>"
        for i in report.definitions
    )
    passed = sum(1 for c in report.checks if c.success)
    stages = sorted({c.stage for c in report.checks})
    run = report.run
    return (
        '<h2 id="methodology">Методика кратко</h2>'
        f"<p>Блок 1 — создание и подтверждение страниц, блок 2 — качество ведения. Итог = "
        f"{params['block1_weight']:g}·блок 1 + {params['block2_weight']:g}·блок 2, баллы — итог, округлённый до "
        f"{params['points_decimals']} знака; место — плотный ранг по баллам. Обязательные площадки: "
        f"{', '.join(methodology.mandatory_platforms)}; регулярная страница — не менее {params['min_posts']} "
        "публикаций за месяц. Доли оцениваются как 100 × значение; непрерывные показатели отсекаются по квантилям "
        f"{params['clip_low_quantile']:g} и {params['clip_high_quantile']:g} и масштабируются в 0…100.</p>"
        "<table><thead><tr><th>id</th><th>блок</th><th>показатель</th><th>вид</th><th>вес</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<p>Правило публикации: все этапы проверок пройдены и страницы со статистикой составляют не менее "
        f"{methodology.min_page_stats_coverage:.0%} реестра.</p>"
        '<h2 id="checks">Проверки данных</h2>'
        f"<p>Наборов проверок пройдено: <b>{passed} из {len(report.checks)}</b> (этапы: {', '.join(stages)}). "
        f"Покрытие статистикой страниц: <b>{run.page_stats_coverage:.2%}</b> "
        f"({num(run.pages_count, 0)} страниц, {num(run.posts_count, 0)} публикаций)."
        " Подробности каждой проверки — в папке запуска: evidence/validation/index.html.</p>"
    )


def render(report: Report, methodology: Methodology, gains: dict) -> str:
    worst = max((place for r in report.regions for _, place, _ in r.history), default=1)
    sections = "".join(
        _region_section(r, report, methodology, gains, worst, len(report.regions)) for r in report.regions
    )
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Рейтинг госпабликов — {escape(report.run.period)}</title><style>{_STYLE}</style></head><body>"
        + _header(report)
        + _top10(report.regions)
        + _full_table(report)
        + _charts(report, methodology)
        + '<h2 id="regions">Регионы</h2>'
        + sections
        + _methodology(report, methodology)
        + f"<script>{_SCRIPT}</script></body></html>"
    )
