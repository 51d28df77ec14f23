"""Reference data shipped with the package: the 89 federal subjects."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pyarrow as pa
import pyarrow.csv as pacsv

from .contract import SCHEMAS


@cache
def load_regions() -> pa.Table:
    """The 89 federal subjects: two-digit code, Russian name, federal district."""
    path = resources.files(__package__).joinpath("reference", "regions.csv")
    schema = SCHEMAS["regions"]
    with path.open("rb") as handle:
        types = dict(zip(schema.names, schema.types, strict=True))
        table = pacsv.read_csv(handle, convert_options=pacsv.ConvertOptions(column_types=types))
    return table.select(schema.names)
