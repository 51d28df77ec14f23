"""`gospublic export ID DIR`: a snapshot's tables as Parquet or CSV files plus ``manifest.json``.

CSV files are UTF-8 with a byte-order mark and ``;`` between fields, so that Excel with
Russian settings opens them with the Cyrillic intact and the columns split; decimals keep
a point (machine-readable). ``manifest.json`` lists every file with its rows and sha256,
and the snapshot's identity and hashes (``content_hash``, ``chain_hash``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..warehouse import content
from ..warehouse.schema import TABLES
from . import resolve

BOM = "\ufeff".encode()
CSV_OPTIONS = pacsv.WriteOptions(include_header=True, delimiter=";", quoting_style="needed")
MANIFEST = "manifest.json"


def _write(data: pa.Table, path: Path, fmt: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if fmt == "parquet":
            pq.write_table(data, tmp, compression="zstd")
        else:
            with tmp.open("wb") as handle:
                handle.write(BOM)
                pacsv.write_csv(data, handle, CSV_OPTIONS)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def export(reader, ref: str, folder: Path, fmt: str = "parquet") -> dict:
    """Write snapshot ``ref``'s tables into ``folder``; return the manifest (also written as manifest.json)."""
    run = resolve(reader, ref)
    sid = run["snapshot_id"]
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for table in TABLES:
        data = reader.read(table.name, sid)
        path = folder / f"{table.name}.{fmt}"
        _write(data, path, fmt)
        files.append(
            {"table": table.name, "file": path.name, "rows": data.num_rows, "sha256": content.file_sha256(path)}
        )
    manifest = {
        "snapshot_id": sid,
        "period": run["period"],
        "source": run["source"],
        "is_demo": run["is_demo"],
        "version": run["version"],
        "methodology_version": run["methodology_version"],
        "content_hash": run["content_hash"],
        "chain_hash": run["chain_hash"],
        "warehouse": reader.location,
        "format": fmt,
        "csv": "UTF-8 with BOM, ';' between fields, '.' as decimal point" if fmt == "csv" else None,
        "files": files,
        "inputs": "inputs." + fmt + ": the run's archived raw files and landing archives with rows and sha256",
    }
    tmp = folder / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
    return manifest
