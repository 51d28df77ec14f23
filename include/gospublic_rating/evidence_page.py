"""The run's validation evidence as one offline page: ``evidence/validation/index.html``.

Rendered from the GX result JSON of every suite (``evidence/validation/<stage>/*.json``)
and the stage summaries (``evidence/validation/<stage>.json``): each stage, suite and
expectation with its success, observed value and example failing rows. Plain HTML with
inline styles: it opens from the file system with no network (GX Data Docs load their
scripts from a CDN and show a blank page offline).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

STAGES = ("raw", "staging", "intermediate", "marts")
EXAMPLES = 5

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%;margin:.4em 0 1.2em}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}.ok{color:#176f2c}.bad{color:#b00020;font-weight:bold}
code{font-size:12px}details{margin:.3em 0}summary{cursor:pointer}
"""


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(success: bool) -> str:
    return '<span class="ok">пройдено</span>' if success else '<span class="bad">НЕ ПРОЙДЕНО</span>'


def _raised(result: dict) -> str | None:
    info = result.get("exception_info") or {}
    entries = [info] if "raised_exception" in info else [i for i in info.values() if isinstance(i, dict)]
    for entry in entries:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "unknown error")
    return None


def _observed(result: dict) -> str:
    details = result.get("result") or {}
    raised = _raised(result)
    if raised:
        return f"исключение: {raised}"
    if details.get("unexpected_count") is not None:
        text = f"{details['unexpected_count']:,} неожиданных из {details.get('element_count', 0):,}"
        if details.get("observed_value") is not None:
            text += f"; {_short(details['observed_value'])}"
        return text
    if "observed_value" in details:
        return _short(details["observed_value"])
    return ""


def _examples(result: dict) -> str:
    details = result.get("result") or {}
    rows = details.get("partial_unexpected_index_list") or details.get("partial_unexpected_list") or []
    return "<br>".join(escape(_short(row, 200)) for row in rows[:EXAMPLES])


def _expectation_rows(result_json: dict) -> list[str]:
    rows = []
    for result in result_json.get("results", []):
        config = result.get("expectation_config") or {}
        kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
        notes = (config.get("meta") or {}).get("notes", "")
        success = bool(result.get("success")) and not _raised(result)
        rows.append(
            f"<tr><td>{_status(success)}</td><td><code>{escape(config.get('type', ''))}</code><br>"
            f"<small>{escape(_short(kwargs))}</small>{'<br><i>' + escape(notes) + '</i>' if notes else ''}</td>"
            f"<td>{escape(_observed(result))}</td><td><small>{_examples(result)}</small></td></tr>"
        )
    return rows


def _suite_section(suite: dict, folder: Path) -> str:
    label = suite["suite"] + (f" [{suite['chunk']}]" if suite.get("chunk") else "")
    head = (
        f"{_status(suite['success'])} <b>{escape(label)}</b>: {suite['successful']}/{suite['evaluated']} "
        f"ожиданий, {suite['rows']:,} строк"
    )
    path = folder / Path(suite["result_path"]).name if suite.get("result_path") else None
    if path is None or not path.exists():
        failures = "".join(f"<li>{escape(f)}</li>" for f in suite.get("failures", []))
        return f"<details open><summary>{head}</summary><ul>{failures}</ul></details>"
    result_json = json.loads(path.read_text(encoding="utf-8"))
    table = (
        "<table><tr><th>итог</th><th>ожидание</th><th>наблюдение</th><th>примеры строк</th></tr>"
        + "".join(_expectation_rows(result_json))
        + "</table>"
    )
    opened = " open" if not suite["success"] else ""
    link = f'<a href="{escape(path.parent.name)}/{escape(path.name)}">JSON</a>'
    return f"<details{opened}><summary>{head} ({link})</summary>{table}</details>"


def render(validation_dir: Path) -> str:
    """The page for the stages found in ``validation_dir`` (evidence/validation)."""
    sections, overview = [], []
    for stage in STAGES:
        summary_path = validation_dir / f"{stage}.json"
        if not summary_path.exists():
            overview.append(f"<tr><td>{stage}</td><td>не выполнялся</td><td></td></tr>")
            continue
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        suites = summary.get("suites", [])
        passed = sum(1 for s in suites if s["success"])
        overview.append(
            f'<tr><td><a href="#{stage}">{stage}</a></td><td>{_status(summary["success"])}</td>'
            f"<td>{passed}/{len(suites)} наборов</td></tr>"
        )
        body = "".join(_suite_section(s, validation_dir / stage) for s in suites)
        sections.append(f'<h2 id="{stage}">Этап {stage}</h2>{body or "<p>нет наборов</p>"}')
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Проверки данных запуска</title>'
        f"<style>{_STYLE}</style></head><body><h1>Проверки данных запуска (Great Expectations)</h1>"
        "<p>Итоги каждого этапа, набора и ожидания; исходные результаты GX лежат рядом в JSON.</p>"
        f"<table><tr><th>этап</th><th>итог</th><th>наборы</th></tr>{''.join(overview)}</table>"
        f"{''.join(sections)}</body></html>"
    )


def write(validation_dir: Path) -> Path:
    """Write ``index.html`` into ``validation_dir`` (atomically) and return its path."""
    path = validation_dir / "index.html"
    tmp = path.with_name(".index.html.tmp")
    tmp.write_text(render(validation_dir), encoding="utf-8")
    tmp.replace(path)
    return path
