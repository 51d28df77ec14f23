"""Registry intake: the regions' lists of organisations and pages into the contract tables.

Regional offices (or the national office) deliver a registry folder of CSV or XLSX files:

    <registry_dir>/organizations_59.csv     организации Пермский край.xlsx
                   pages_59.csv             страницы-59.csv
                   реестр_59.xlsx           (sheets «Организации» and «Страницы»)

Which kind a file holds (docs/registry_intake.md):

- an ``.xlsx`` workbook with a sheet named «Организации» / ``organizations`` and/or
  «Страницы» / ``pages`` (case-insensitive) holds those kinds on those sheets, whatever
  the file is called; other sheets are not read;
- otherwise the file name decides: a name starting with ``organizations``,
  ``organisations`` or ``организации`` holds organisations, one starting with ``pages`` or
  ``страницы`` holds pages (case-insensitive); an ``.xlsx`` is read from its first sheet;
- any other ``.csv`` / ``.xlsx`` is an error (a file that is silently skipped would be a
  region silently missing); an ``.xls`` is an error (old Excel format); files of other
  types, hidden files and Excel lock files (``~$…``) are listed in the report as ignored.

Sub-folders are read too. Organisation files are read before page files, each group in
order of the file's path, so "the first occurrence" of an organisation or a page is well
defined across the whole folder.

A file that cannot be read, or lacks a column, is a :class:`ContractError` naming the file
(all such files are listed at once). A bad row is not: it goes to the quarantine table,
one row per problem (file, row, field, value, reason, detail), and the intake goes on with
the valid rows. Every cell is trimmed and runs of white space (line breaks too) become one
space. Row numbers are what a person sees: the spreadsheet row, or the line of a
CSV file where the record starts; the header is on row 1 unless title rows precede it.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path

import openpyxl
import pyarrow as pa
from openpyxl.utils.exceptions import InvalidFileException

from .contract import ORG_KINDS, SCHEMAS, ContractError
from .lake import write_parquet
from .platforms.urls import normalise_page_url
from .reference import load_regions

ORGANIZATIONS = "organizations"
PAGES = "pages"
KINDS = (ORGANIZATIONS, PAGES)

# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """An expected column: contract name, the template's Russian header, other accepted headers."""

    name: str
    header: str
    aliases: tuple[str, ...] = ()


COLUMNS: dict[str, tuple[Column, ...]] = {
    ORGANIZATIONS: (
        Column("org_id", "ОГРН", ("ОГРН организации",)),
        Column("region_code", "Код региона", ("Код субъекта", "Код субъекта РФ")),
        Column("org_name", "Наименование", ("Наименование организации",)),
        Column("org_kind", "Тип", ("Тип организации",)),
        Column("admin_qualified", "Администратор обучен", ()),
    ),
    PAGES: (
        Column("org_id", "ОГРН", ("ОГРН организации",)),
        Column("page_url", "Ссылка", ("Ссылка на страницу", "Адрес страницы", "url", "page_id")),
        Column("gov_mark", "Отметка Госорганизация", ("Госорганизация",)),
        Column("pos_connected", "Подключена к ПОС", ("Подключение к ПОС",)),
    ),
}

# Accepted spellings of org_kind (compared after _key()); the contract values are accepted too.
ORG_KIND_LABELS: dict[str, tuple[str, ...]] = {
    "regional_authority": (
        "орган власти субъекта",
        "орган власти субъекта РФ",
        "орган государственной власти субъекта",
        "орган государственной власти субъекта РФ",
        "региональный орган власти",
        "ОИВ",
        "ОГВ",
    ),
    "local_government": ("ОМСУ", "орган местного самоуправления", "местное самоуправление"),
    "subordinate_institution": ("подведомственное учреждение", "подведомственная организация", "учреждение"),
}
assert tuple(ORG_KIND_LABELS) == ORG_KINDS

TRUE_WORDS = ("да", "1", "true", "+", "yes")
FALSE_WORDS = ("нет", "0", "false", "-", "no")

# Quarantine reasons, in the order the report lists them.
MISSING = "missing value"
UNKNOWN_REGION = "unknown region code"
UNKNOWN_KIND = "unknown organisation kind"
BAD_BOOLEAN = "bad boolean"
DUPLICATE_ORG = "duplicate organisation"
UNKNOWN_ORG = "page of an unknown organisation"
BAD_URL = "unparseable URL"
DUPLICATE_PAGE = "duplicate page"
REASONS = (MISSING, UNKNOWN_REGION, UNKNOWN_KIND, BAD_BOOLEAN, DUPLICATE_ORG, UNKNOWN_ORG, BAD_URL, DUPLICATE_PAGE)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("row", pa.int64()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)

HEADER_SEARCH_ROWS = 10  # the header may follow a few title rows
_QUOTES = str.maketrans("", "", "«»\"'“”„")


def _key(text: str) -> str:
    """Comparison form of a header or label: case, spaces, quotes, ё and '_' do not matter."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).replace("_", " ")
    return " ".join(text.lower().replace("ё", "е").split()).rstrip("*:. ")


_HEADER_KEYS: dict[str, dict[str, str]] = {
    kind: {_key(spelling): c.name for c in columns for spelling in (c.header, c.name, *c.aliases)}
    for kind, columns in COLUMNS.items()
}
_KIND_KEYS = {_key(label): kind for kind, labels in ORG_KIND_LABELS.items() for label in (kind, *labels)}
_BOOL_KEYS = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}

# --------------------------------------------------------------------------- values


def parse_boolean(text: str) -> bool:
    """да/нет, 1/0, true/false, +/-, yes/no (any case) as a bool; ValueError otherwise."""
    try:
        return _BOOL_KEYS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"{text!r} is not a yes/no value (да/нет, 1/0, true/false, +/-)") from None


def parse_org_kind(text: str) -> str:
    """The contract org_kind of a Russian label or a contract value; ValueError otherwise."""
    try:
        return _KIND_KEYS[_key(text)]
    except KeyError:
        raise ValueError(
            f"{text!r} is not an organisation kind (орган власти субъекта, ОМСУ, подведомственное учреждение"
            f" or {', '.join(ORG_KINDS)})"
        ) from None


def normalise_region_code(text: str, known: Iterable[str]) -> str:
    """Two-digit region code ("5" → "05"); ValueError unless it is one of ``known``."""
    code = text.strip()
    if code.isascii() and code.isdigit() and len(code) == 1:
        code = "0" + code
    if code not in known:
        raise ValueError(f"{text!r} is not one of the 89 two-digit region codes")
    return code


# --------------------------------------------------------------------------- page URLs


def make_page_id(platform: str, platform_page_id: str) -> str:
    return f"{platform}:{platform_page_id}"


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class Source:
    """One table in the registry folder: a CSV file, or one sheet of an XLSX workbook."""

    path: Path
    label: str  # as reports name it: the path relative to the registry folder (+ « [sheet]»)
    kind: str
    sheet: str | None = None  # XLSX: the sheet by name; None: the first sheet


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_NAME_PREFIXES = {
    ORGANIZATIONS: ("organizations", "organisations", "организации"),
    PAGES: ("pages", "страницы"),
}
_SHEET_NAMES = {_key(name): kind for kind, names in _NAME_PREFIXES.items() for name in names}


def kind_of_name(name: str) -> str | None:
    """organizations / pages by the start of a file name, or None."""
    stem = unicodedata.normalize("NFC", name).lower()
    for kind, prefixes in _NAME_PREFIXES.items():
        if stem.startswith(prefixes):
            return kind
    return None


def discover(registry_dir: Path) -> Discovery:
    """The tables of a registry folder, organisations first, each group in path order."""
    found = Discovery()
    files = sorted(
        (p for p in registry_dir.rglob("*") if p.is_file()),
        key=lambda p: p.relative_to(registry_dir).as_posix(),
    )
    for path in files:
        label = unicodedata.normalize("NFC", path.relative_to(registry_dir).as_posix())
        if any(part.startswith((".", "~$")) for part in path.relative_to(registry_dir).parts):
            continue
        suffix = path.suffix.lower()
        if suffix == ".xls":
            found.problems.append(f"{label}: old Excel format (.xls); save it as .xlsx or CSV")
            continue
        if suffix not in (".csv", ".xlsx"):
            found.ignored.append(label)
            continue
        if suffix == ".xlsx":
            try:
                sheets = _named_sheets(path, label)
            except ContractError as error:
                found.problems.append(str(error))
                continue
            if sheets:
                found.sources += [Source(path, f"{label} [{sheet}]", kind, sheet) for sheet, kind in sheets]
                continue
        kind = kind_of_name(path.name)
        if kind is None:
            found.problems.append(
                f"{label}: cannot tell organisations from pages; name the file organizations…/организации… "
                "or pages…/страницы… (an .xlsx may instead have sheets «Организации» and «Страницы»)"
            )
            continue
        found.sources.append(Source(path, label, kind))
    order = {kind: i for i, kind in enumerate(KINDS)}
    found.sources.sort(key=lambda s: order[s.kind])  # stable: path order within a kind
    return found


def _open_workbook(path: Path, label: str):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ContractError(f"{label}: not a readable XLSX file ({type(error).__name__}: {error})") from None


def _named_sheets(path: Path, label: str) -> list[tuple[str, str]]:
    """(sheet title, kind) of the sheets named after a kind, organisations first."""
    workbook = _open_workbook(path, label)
    try:
        titles = [ws.title for ws in workbook.worksheets]
    finally:
        workbook.close()
    named = [(title, _SHEET_NAMES[_key(title)]) for title in titles if _key(title) in _SHEET_NAMES]
    return sorted(named, key=lambda item: KINDS.index(item[1]))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ОГРН or region code typed as a number
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return " ".join(str(value).split())


def _xlsx_rows(source: Source) -> Iterator[tuple[int, list[str]]]:
    workbook = _open_workbook(source.path, source.label)
    try:
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers declare a wrong size; read every row there is
        for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ContractError(f"{source.label}: not a readable XLSX file ({type(error).__name__}: {error})") from None
    finally:
        workbook.close()


def _decode(data: bytes, label: str) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with or without BOM, else Windows-1251."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ContractError(f"{label}: UTF-16 text; save it as CSV in UTF-8 or Windows-1251")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 (BOM)"
        except UnicodeDecodeError as error:
            raise ContractError(f"{label}: starts as UTF-8 but byte {error.start} is not UTF-8") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "Windows-1251"
    except UnicodeDecodeError as error:
        raise ContractError(f"{label}: neither UTF-8 nor Windows-1251 (byte {error.start})") from None


def _csv_rows(text: str, delimiter: str, label: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) of every record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ContractError(f"{label}, line {start}: not readable as CSV ({error})") from None
        yield start, [" ".join(c.split()) for c in cells]


@dataclass(frozen=True)
class Header:
    row: int  # its row number in the file
    columns: dict[str, tuple[int, str]]  # contract column -> (cell index, header as written)
    problems: tuple[str, ...]  # columns written twice

    def missing(self, kind: str) -> list[Column]:
        return [c for c in COLUMNS[kind] if c.name not in self.columns]


def _read_header(cells: list[str], row: int, kind: str) -> Header:
    keys = _HEADER_KEYS[kind]
    columns: dict[str, tuple[int, str]] = {}
    problems = []
    for index, cell in enumerate(cells):
        name = keys.get(_key(cell))
        if name is None:
            continue
        if name in columns:
            problems.append(f"columns «{columns[name][1]}» and «{cell}» both give {name}")
            continue
        columns[name] = (index, cell)
    return Header(row, columns, tuple(problems))


def _find_header(rows: list[tuple[int, list[str]]], kind: str) -> Header | None:
    """The first row with every expected column, else the one with the most; None if none has any."""
    best = None
    for number, cells in rows:
        header = _read_header(cells, number, kind)
        if not header.missing(kind):
            return header
        if header.columns and (best is None or len(header.columns) > len(best.columns)):
            best = header
    return best


@dataclass
class _Table:
    header: Header
    rows: Iterator[tuple[int, list[str]]]  # the rows after the header
    how: str  # how the file was read, for error messages


def _open_table(source: Source) -> _Table:
    """The header and the data rows of a source; ContractError if unreadable or a column is missing."""
    if source.path.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(source)
        head = list(islice(rows, HEADER_SEARCH_ROWS))
        header = _find_header(head, source.kind)
        how = "XLSX, sheet " + (f"«{source.sheet}»" if source.sheet else "1")
        every_row: Iterator[tuple[int, list[str]]] = chain(head, rows)
    else:
        try:
            data = source.path.read_bytes()
        except OSError as error:
            raise ContractError(f"{source.label}: cannot read ({error})") from None
        text, encoding = _decode(data, source.label)
        candidates = []
        for delimiter in (";", ","):
            head = list(islice(_csv_rows(text, delimiter, source.label), HEADER_SEARCH_ROWS))
            candidates.append((_find_header(head, source.kind), delimiter))
        # Most columns found wins; on a tie the first (';') does.
        header, delimiter = max(candidates, key=lambda c: len(c[0].columns) if c[0] else -1)
        how = f"CSV, {encoding}, delimiter {delimiter!r}"
        every_row = _csv_rows(text, delimiter, source.label)  # read again from the start
    expected = ", ".join(f"«{c.header}»" for c in COLUMNS[source.kind])
    if header is None:
        raise ContractError(
            f"{source.label}: no header row in the first {HEADER_SEARCH_ROWS} rows ({how}); "
            f"a {source.kind} file needs the columns {expected}"
        )
    problems = list(header.problems)
    missing = header.missing(source.kind)
    if missing:
        problems.insert(0, "missing column(s) " + ", ".join(f"«{c.header}» ({c.name})" for c in missing))
    if problems:
        raise ContractError(
            f"{source.label}: {'; '.join(problems)} in the header on row {header.row} ({how}); "
            f"a {source.kind} file needs the columns {expected}"
        )
    rows_after = (item for item in every_row if item[0] > header.row)
    return _Table(header, rows_after, how)


# --------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class FileSummary:
    file: str
    kind: str
    rows: int  # data rows (rows with every expected cell empty are not counted)
    accepted: int
    quarantined: int


@dataclass
class IntakeResult:
    registry_dir: Path
    organizations: pa.Table
    pages: pa.Table
    regions: pa.Table
    quarantine: pa.Table
    files: list[FileSummary]
    ignored: list[str]

    def tables(self) -> dict[str, pa.Table]:
        return {
            "regions": self.regions,
            "organizations": self.organizations,
            "pages": self.pages,
            "quarantine": self.quarantine,
        }

    def report_text(self) -> str:
        return _report(self)


class _Intake:
    def __init__(self, region_codes: frozenset[str]):
        self.region_codes = region_codes
        self.orgs: dict[str, list] = {name: [] for name in SCHEMAS["organizations"].names}
        self.pages: dict[str, list] = {name: [] for name in SCHEMAS["pages"].names}
        self.quarantine: dict[str, list] = {name: [] for name in QUARANTINE_SCHEMA.names}
        self.first_org: dict[str, tuple[str, int]] = {}  # org_id -> (file, row) of its first row
        self.accepted_orgs: set[str] = set()
        self.first_page: dict[str, tuple[str, int]] = {}
        self.files: list[FileSummary] = []

    def read(self, source: Source) -> None:
        table = _open_table(source)
        columns = table.header.columns
        names = [c.name for c in COLUMNS[source.kind]]
        indexes = [columns[name][0] for name in names]
        headers = {name: columns[name][1] for name in names}
        handle = self._organization if source.kind == ORGANIZATIONS else self._page
        rows = accepted = 0
        for number, cells in table.rows:
            values = {name: cells[i] if i < len(cells) else "" for name, i in zip(names, indexes, strict=True)}
            if not any(values.values()):
                continue
            rows += 1
            problems: list[tuple[str, str, str, str]] = []  # (column, value, reason, detail)
            handle(source.label, number, values, problems)
            if problems:
                for column, value, reason, detail in problems:
                    for key, item in zip(
                        QUARANTINE_SCHEMA.names,
                        (source.label, number, headers[column], value, reason, detail),
                        strict=True,
                    ):
                        self.quarantine[key].append(item)
            else:
                accepted += 1
        self.files.append(FileSummary(source.label, source.kind, rows, accepted, rows - accepted))

    @staticmethod
    def _required(values: dict[str, str], problems: list, *names: str) -> None:
        for name in names:
            if not values[name]:
                problems.append((name, "", MISSING, "a required value is empty"))

    @staticmethod
    def _boolean(values: dict[str, str], name: str, problems: list) -> bool | None:
        if not values[name]:
            return None
        try:
            return parse_boolean(values[name])
        except ValueError as error:
            problems.append((name, values[name], BAD_BOOLEAN, str(error)))
            return None

    def _organization(self, file: str, row: int, values: dict[str, str], problems: list) -> None:
        self._required(values, problems, *values)
        org_id = values["org_id"]
        if org_id:
            first = self.first_org.get(org_id)
            if first:
                problems.append(("org_id", org_id, DUPLICATE_ORG, f"first listed in {first[0]}, row {first[1]}"))
            else:
                self.first_org[org_id] = (file, row)
        region_code = org_kind = None
        if values["region_code"]:
            try:
                region_code = normalise_region_code(values["region_code"], self.region_codes)
            except ValueError as error:
                problems.append(("region_code", values["region_code"], UNKNOWN_REGION, str(error)))
        if values["org_kind"]:
            try:
                org_kind = parse_org_kind(values["org_kind"])
            except ValueError as error:
                problems.append(("org_kind", values["org_kind"], UNKNOWN_KIND, str(error)))
        admin_qualified = self._boolean(values, "admin_qualified", problems)
        if problems:
            return
        self.accepted_orgs.add(org_id)
        for key, item in (
            ("org_id", org_id),
            ("region_code", region_code),
            ("org_name", values["org_name"]),
            ("org_kind", org_kind),
            ("admin_qualified", admin_qualified),
        ):
            self.orgs[key].append(item)

    def _page(self, file: str, row: int, values: dict[str, str], problems: list) -> None:
        self._required(values, problems, *values)
        org_id = values["org_id"]
        if org_id and org_id not in self.accepted_orgs:
            first = self.first_org.get(org_id)
            detail = (
                f"the organisation's row was quarantined ({first[0]}, row {first[1]})"
                if first
                else "no organisation with this id in the registry"
            )
            problems.append(("org_id", org_id, UNKNOWN_ORG, detail))
        platform = platform_page_id = page_id = None
        if values["page_url"]:
            try:
                platform, platform_page_id = normalise_page_url(values["page_url"])
            except ValueError as error:
                problems.append(("page_url", values["page_url"], BAD_URL, str(error)))
            else:
                page_id = make_page_id(platform, platform_page_id)
                first = self.first_page.get(page_id)
                if first:
                    detail = f"{page_id} first listed in {first[0]}, row {first[1]}"
                    problems.append(("page_url", values["page_url"], DUPLICATE_PAGE, detail))
                else:
                    self.first_page[page_id] = (file, row)
        gov_mark = self._boolean(values, "gov_mark", problems)
        pos_connected = self._boolean(values, "pos_connected", problems)
        if problems:
            return
        for key, item in (
            ("page_id", page_id),
            ("org_id", org_id),
            ("platform", platform),
            ("platform_page_id", platform_page_id),
            ("gov_mark", gov_mark),
            ("pos_connected", pos_connected),
        ):
            self.pages[key].append(item)


def intake(registry_dir: Path) -> IntakeResult:
    """Read a registry folder into the contract tables, quarantining bad rows.

    ContractError (naming every such file) when the folder is missing or holds no
    organisations, or a file is unreadable, of unknown kind or lacks a column.
    """
    registry_dir = Path(registry_dir)
    if not registry_dir.is_dir():
        raise ContractError(f"{registry_dir}: registry folder does not exist")
    found = discover(registry_dir)
    problems = list(found.problems)
    regions = load_regions()
    state = _Intake(frozenset(regions.column("region_code").to_pylist()))
    for source in found.sources:
        try:
            state.read(source)
        except ContractError as error:
            problems.append(str(error))
    if not problems and not any(s.kind == ORGANIZATIONS for s in found.sources):
        problems.append(f"{registry_dir}: no organisations file (organizations….csv/.xlsx or организации…)")
    if problems:
        raise ContractError(f"registry {registry_dir}:\n  " + "\n  ".join(problems))
    return IntakeResult(
        registry_dir=registry_dir,
        organizations=pa.table(state.orgs, schema=SCHEMAS["organizations"]),
        pages=pa.table(state.pages, schema=SCHEMAS["pages"]),
        regions=regions,
        quarantine=pa.table(state.quarantine, schema=QUARANTINE_SCHEMA),
        files=state.files,
        ignored=found.ignored,
    )


def write_outputs(result: IntakeResult, out_dir: Path) -> dict[str, Path]:
    """regions/organizations/pages/quarantine.parquet and quarantine_report.txt in ``out_dir``."""
    out_dir = Path(out_dir)
    written = {name: write_parquet(table, out_dir / f"{name}.parquet") for name, table in result.tables().items()}
    report = out_dir / "quarantine_report.txt"
    tmp = report.with_name(f".{report.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(result.report_text(), encoding="utf-8")
        os.replace(tmp, report)
    finally:
        tmp.unlink(missing_ok=True)
    written["quarantine_report"] = report
    return written


# --------------------------------------------------------------------------- report


def _report(result: IntakeResult) -> str:
    lines = [f"Registry intake of {result.registry_dir}", ""]
    head = ("file", "kind", "rows", "accepted", "quarantined")
    body = [(f.file, f.kind, str(f.rows), str(f.accepted), str(f.quarantined)) for f in result.files]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    for cells in [head, *body]:
        left = [cells[i].ljust(widths[i]) for i in range(2)]
        right = [cells[i].rjust(widths[i]) for i in range(2, len(head))]
        lines.append("  " + "  ".join(left + right).rstrip())
    lines.append("")
    for kind in KINDS:
        mine = [f for f in result.files if f.kind == kind]
        rows, accepted = sum(f.rows for f in mine), sum(f.accepted for f in mine)
        lines.append(f"{kind}: {rows} rows, {accepted} accepted, {rows - accepted} quarantined")
    if result.ignored:
        lines.append(f"ignored (not .csv or .xlsx): {', '.join(result.ignored)}")
    quarantine = result.quarantine.to_pylist()
    if not quarantine:
        lines += ["", "Quarantine: none."]
        return "\n".join(lines) + "\n"
    bad_rows = len({(q["file"], q["row"]) for q in quarantine})
    lines += ["", f"Quarantine: {bad_rows} rows, {len(quarantine)} problems"]
    order = {reason: i for i, reason in enumerate(REASONS)}
    for reason in sorted({q["reason"] for q in quarantine}, key=lambda r: order.get(r, len(order))):
        items = [q for q in quarantine if q["reason"] == reason]
        lines += ["", f"{reason} ({len(items)}):"]
        for q in items:
            value = f" = {q['value']!r}" if q["value"] else ""
            lines.append(f"  {q['file']}, row {q['row']}, «{q['field']}»{value}: {q['detail']}")
    return "\n".join(lines) + "\n"
