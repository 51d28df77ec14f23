"""`gospublic snapshots list`: the published snapshots, newest first, the official (newest)
version of each period and source marked."""

from __future__ import annotations


def list_snapshots(reader, period: str | None = None, source: str | None = None) -> str:
    runs = reader.read("runs").to_pylist()
    newest: dict[tuple[str, str], int] = {}
    for r in runs:
        key = (r["period"], r["source"])
        newest[key] = max(newest.get(key, 0), r["version"])
    shown = sorted(
        (r for r in runs if period in (None, r["period"]) and source in (None, r["source"])),
        key=lambda r: -r["seq"],
    )
    if not shown:
        wanted = " ".join(x for x in (period, source) if x)
        return f"no snapshot{' of ' + wanted if wanted else ''} in {reader.location}"
    lines = [
        f"{'snapshot_id':<36} {'period':7} {'source':6} {'ver':>3}  {'published (UTC)':19}  {'content hash':12}  note"
    ]
    for r in shown:
        notes = []
        if r["version"] == newest[r["period"], r["source"]]:
            notes.append("official (newest version)")
        if r["supersedes"]:
            notes.append(f"supersedes {r['supersedes']}")
        if r["is_demo"]:
            notes.append("DEMO DATA")
        lines.append(
            f"{r['snapshot_id']:<36} {r['period']:7} {r['source']:6} {r['version']:>3}  "
            f"{r['published_at']:%Y-%m-%d %H:%M:%S}  {r['content_hash'][:12]}  {'; '.join(notes)}"
        )
    lines.append(f"{len(shown)} snapshot(s) in {reader.location}")
    return "\n".join(lines)
