"""Registry intake: regional CSV/XLSX lists in, contract tables and a quarantine out."""

from __future__ import annotations

import shutil
from importlib import resources

import openpyxl
import pyarrow.parquet as pq
import pytest
from gospublic_rating.contract import SCHEMAS, ContractError
from gospublic_rating.intake import (
    BAD_BOOLEAN,
    BAD_URL,
    DUPLICATE_ORG,
    DUPLICATE_PAGE,
    MISSING,
    QUARANTINE_SCHEMA,
    UNKNOWN_KIND,
    UNKNOWN_ORG,
    UNKNOWN_REGION,
    intake,
    normalise_page_url,
    parse_boolean,
    write_outputs,
)

ORGS_59 = (  # UTF-8 with BOM, ';', headers in odd case and spacing
    "ОГРН; код  РЕГИОНА ;Наименование;Тип;Администратор обучен\n"
    "1025900000017;59;Министерство цифрового развития Пермского края;орган власти субъекта;да\n"
    "1020500000011;5;Министерство образования Республики Дагестан;ОИВ;Нет\n"
    "1025900000039;99;Учреждение из ниоткуда;ОМСУ;да\n"  # row 4: unknown region
    "1025900000040;59;ГБУ «Центр»;подведомственное учреждение;возможно\n"  # row 5: bad boolean
    "1025900000017;59;Министерство цифрового развития Пермского края;орган власти субъекта;да\n"  # row 6: duplicate
    "1025900000051;59;;ОМСУ;да\n"  # row 7: missing name
    "1025900000062;59;Некое министерство;министерство;1\n"  # row 8: unknown kind
    ";;;;\n"  # row 9: empty, skipped
    "1025900000073;59;Администрация города Перми, аппарат;local_government;+\n"
)
ORGS_05 = (  # Windows-1251, ',', quoted fields, an extra column, a value over two lines
    '"ОГРН","Код региона","Наименование","Тип","Администратор обучен","Примечание"\n'
    '1020500000022,05,"Администрация г. Махачкалы, аппарат",ОМСУ,1,\n'
    "1025900000017,59,Повтор,ОМСУ,1,\n"  # row 3: duplicate of organizations_59.csv row 2
    '1020500000033,05,"Учреждение ""Дом\nкультуры""",подведомственное учреждение,0,две строки\n'  # lines 4-5
    "1020500000044,,Без региона,ОМСУ,1,\n"  # line 6: missing region
)
PAGES_59 = (
    "ОГРН;Ссылка;Отметка «Госорганизация»;Подключена к ПОС\n"
    "1025900000017;https://vk.com/club123;да;да\n"
    "1025900000017;ok.ru/group/70000001234;да;нет\n"
    "1025900000017;@Perm_Minzifra;нет;нет\n"
    "1025900000039;vk.com/club555;да;да\n"  # row 5: its organisation was quarantined
    "1099999999999;vk.com/club556;да;да\n"  # row 6: no such organisation
    "1025900000017;https://example.com/page;да;да\n"  # row 7: not VK/OK/Telegram
    "1025900000017;vk.com/public123;да;да\n"  # row 8: same page as row 2
    "1025900000017;vk.com/minzifra59;может быть;да\n"  # row 9: bad boolean
    ";vk.com/club557;да;да\n"  # row 10: missing org id
    "1020500000011;t.me/+AbCdEf;да;нет\n"  # row 11: invite link
)
PAGES_05 = (
    "ОГРН,Ссылка,Отметка Госорганизация,Подключена к ПОС\n"
    "1020500000022,https://m.vk.com/Dagestan_Admin?from=search,TRUE,false\n"
    "1020500000022,https://ok.ru/dagadmin/,+,-\n"
    "1020500000044,vk.com/club9000,1,1\n"  # row 4: organisation quarantined (missing region)
    "1020500000033,t.me/dom_kultury,1,x\n"  # row 5: bad boolean
)


def _write_xlsx(path):
    workbook = openpyxl.Workbook()
    orgs = workbook.active
    orgs.title = "Организации"
    orgs.append(["Реестр организаций г. Москвы"])  # a title row above the header
    orgs.append(["ОГРН", "Код региона", "Наименование", "Тип", "Администратор обучен"])
    orgs.append([1027700000015, 77, "Департамент информационных технологий", "Орган власти субъекта", True])
    orgs.append([1027700000026.0, 77.0, "Управа района Арбат", "омсу", 0])
    orgs.append([1027700000037, "77", "ГБУ «Жилищник»", "подведомственное учреждение", "не знаю"])  # row 5
    pages = workbook.create_sheet("Страницы")
    pages.append(["ОГРН", "Ссылка", "Отметка Госорганизация", "Подключена к ПОС"])
    pages.append([1027700000015, "https://vk.ru/club777", True, False])
    pages.append([1027700000026, "https://t.me/s/Arbat_Uprava/", "да", "нет"])
    pages.append([])
    pages.append([1027700000015, "https://vk.com/club777", "да", "да"])  # row 5: duplicate page
    pages.append([1027700000015, "vk.com/wall-777_12", "да", "да"])  # row 6: a post, not a page
    workbook.create_sheet("Справка").append(["ОГРН", "не читается"])
    workbook.save(path)


@pytest.fixture
def registry(tmp_path):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "organizations_59.csv").write_bytes(ORGS_59.encode("utf-8-sig"))
    (folder / "pages_59.csv").write_bytes(PAGES_59.encode("utf-8"))
    (folder / "организации_05.csv").write_bytes(ORGS_05.replace("\n", "\r\n").encode("cp1251"))
    (folder / "страницы_05.csv").write_bytes(PAGES_05.encode("cp1251"))
    _write_xlsx(folder / "реестр_77.xlsx")
    (folder / "readme.txt").write_text("not a registry file", encoding="utf-8")
    (folder / "~$реестр_77.xlsx").write_bytes(b"lock file")
    return folder


def test_valid_rows_land_in_the_contract_tables(registry):
    result = intake(registry)
    assert result.organizations.schema == SCHEMAS["organizations"]
    assert result.pages.schema == SCHEMAS["pages"]
    assert result.regions.num_rows == 89
    assert result.organizations.to_pylist() == [
        dict(
            org_id="1025900000017",
            region_code="59",
            org_name="Министерство цифрового развития Пермского края",
            org_kind="regional_authority",
            admin_qualified=True,
        ),
        dict(
            org_id="1020500000011",
            region_code="05",
            org_name="Министерство образования Республики Дагестан",
            org_kind="regional_authority",
            admin_qualified=False,
        ),
        dict(
            org_id="1025900000073",
            region_code="59",
            org_name="Администрация города Перми, аппарат",
            org_kind="local_government",
            admin_qualified=True,
        ),
        dict(
            org_id="1020500000022",
            region_code="05",
            org_name="Администрация г. Махачкалы, аппарат",
            org_kind="local_government",
            admin_qualified=True,
        ),
        dict(
            org_id="1020500000033",
            region_code="05",
            org_name='Учреждение "Дом культуры"',
            org_kind="subordinate_institution",
            admin_qualified=False,
        ),
        dict(
            org_id="1027700000015",
            region_code="77",
            org_name="Департамент информационных технологий",
            org_kind="regional_authority",
            admin_qualified=True,
        ),
        dict(
            org_id="1027700000026",
            region_code="77",
            org_name="Управа района Арбат",
            org_kind="local_government",
            admin_qualified=False,
        ),
    ]
    pages = [(p["page_id"], p["org_id"], p["platform"], p["platform_page_id"], p["gov_mark"], p["pos_connected"])
             for p in result.pages.to_pylist()]  # fmt: skip
    assert pages == [
        ("vk:123", "1025900000017", "vk", "123", True, True),
        ("ok:70000001234", "1025900000017", "ok", "70000001234", True, False),
        ("telegram:perm_minzifra", "1025900000017", "telegram", "perm_minzifra", False, False),
        ("vk:777", "1027700000015", "vk", "777", True, False),
        ("telegram:arbat_uprava", "1027700000026", "telegram", "arbat_uprava", True, False),
        ("vk:dagestan_admin", "1020500000022", "vk", "dagestan_admin", True, False),
        ("ok:dagadmin", "1020500000022", "ok", "dagadmin", True, False),
    ]


def test_each_bad_row_is_quarantined_with_file_row_field_and_reason(registry):
    result = intake(registry)
    assert result.quarantine.schema == QUARANTINE_SCHEMA
    rows = [(q["file"], q["row"], q["field"], q["value"], q["reason"]) for q in result.quarantine.to_pylist()]
    assert rows == [
        ("organizations_59.csv", 4, "код РЕГИОНА", "99", UNKNOWN_REGION),
        ("organizations_59.csv", 5, "Администратор обучен", "возможно", BAD_BOOLEAN),
        ("organizations_59.csv", 6, "ОГРН", "1025900000017", DUPLICATE_ORG),
        ("organizations_59.csv", 7, "Наименование", "", MISSING),
        ("organizations_59.csv", 8, "Тип", "министерство", UNKNOWN_KIND),
        ("организации_05.csv", 3, "ОГРН", "1025900000017", DUPLICATE_ORG),
        ("организации_05.csv", 6, "Код региона", "", MISSING),
        ("реестр_77.xlsx [Организации]", 5, "Администратор обучен", "не знаю", BAD_BOOLEAN),
        ("pages_59.csv", 5, "ОГРН", "1025900000039", UNKNOWN_ORG),
        ("pages_59.csv", 6, "ОГРН", "1099999999999", UNKNOWN_ORG),
        ("pages_59.csv", 7, "Ссылка", "https://example.com/page", BAD_URL),
        ("pages_59.csv", 8, "Ссылка", "vk.com/public123", DUPLICATE_PAGE),
        ("pages_59.csv", 9, "Отметка «Госорганизация»", "может быть", BAD_BOOLEAN),
        ("pages_59.csv", 10, "ОГРН", "", MISSING),
        ("pages_59.csv", 11, "Ссылка", "t.me/+AbCdEf", BAD_URL),
        ("реестр_77.xlsx [Страницы]", 5, "Ссылка", "https://vk.com/club777", DUPLICATE_PAGE),
        ("реестр_77.xlsx [Страницы]", 6, "Ссылка", "vk.com/wall-777_12", BAD_URL),
        ("страницы_05.csv", 4, "ОГРН", "1020500000044", UNKNOWN_ORG),
        ("страницы_05.csv", 5, "Подключена к ПОС", "x", BAD_BOOLEAN),
    ]
    details = {(q["file"], q["row"]): q["detail"] for q in result.quarantine.to_pylist()}
    assert details["организации_05.csv", 3] == "first listed in organizations_59.csv, row 2"
    assert details["pages_59.csv", 5] == "the organisation's row was quarantined (organizations_59.csv, row 4)"
    assert details["pages_59.csv", 6] == "no organisation with this id in the registry"
    assert details["pages_59.csv", 8] == "vk:123 first listed in pages_59.csv, row 2"
    assert "invite link" in details["pages_59.csv", 11]


def test_report_counts_files_and_groups_the_quarantine_by_reason(registry):
    result = intake(registry)
    assert [(f.file, f.kind, f.rows, f.accepted, f.quarantined) for f in result.files] == [
        ("organizations_59.csv", "organizations", 8, 3, 5),
        ("организации_05.csv", "organizations", 4, 2, 2),
        ("реестр_77.xlsx [Организации]", "organizations", 3, 2, 1),
        ("pages_59.csv", "pages", 10, 3, 7),
        ("реестр_77.xlsx [Страницы]", "pages", 4, 2, 2),
        ("страницы_05.csv", "pages", 4, 2, 2),
    ]
    assert result.ignored == ["readme.txt"]
    text = result.report_text()
    assert "organizations: 15 rows, 7 accepted, 8 quarantined" in text
    assert "pages: 18 rows, 7 accepted, 11 quarantined" in text
    assert "Quarantine: 19 rows, 19 problems" in text
    assert text.index("unknown region code (1):") < text.index("duplicate organisation (2):")
    assert "  organizations_59.csv, row 4, «код РЕГИОНА» = '99': '99' is not one of the 89" in text
    assert "unparseable URL (3):" in text
    assert "ignored (not .csv or .xlsx): readme.txt" in text


def test_a_row_with_several_problems_is_one_row_with_several_entries(tmp_path):
    (tmp_path / "organizations.csv").write_text(
        "ОГРН;Код региона;Наименование;Тип;Администратор обучен\n1;00;;нечто;может\n", encoding="utf-8"
    )
    result = intake(tmp_path)
    assert result.organizations.num_rows == 0
    reasons = [(q["row"], q["reason"]) for q in result.quarantine.to_pylist()]
    assert reasons == [(2, MISSING), (2, UNKNOWN_REGION), (2, UNKNOWN_KIND), (2, BAD_BOOLEAN)]
    assert "Quarantine: 1 rows, 4 problems" in result.report_text()


def test_english_contract_headers_are_accepted(tmp_path):
    (tmp_path / "organisations.csv").write_text(
        "org_id,region_code,org_name,org_kind,admin_qualified\n42,59,Org,subordinate_institution,false\n",
        encoding="utf-8",
    )
    (tmp_path / "pages.csv").write_text(
        "ORG_ID,Page_URL,gov_mark,pos_connected\n42,ok.ru/group70000001234,0,1\n42,vk:5,no,yes\n", encoding="utf-8"
    )
    result = intake(tmp_path)
    assert result.organizations.column("org_kind").to_pylist() == ["subordinate_institution"]
    assert result.pages.column("page_id").to_pylist() == ["ok:70000001234", "vk:5"]
    assert result.quarantine.num_rows == 0


def test_a_missing_column_is_a_contract_error_naming_file_and_column(tmp_path):
    (tmp_path / "organizations_59.csv").write_text(
        "ОГРН;Код региона;Наименование;Тип\n1;59;Org;ОМСУ\n", encoding="utf-8"
    )
    (tmp_path / "страницы.csv").write_bytes("ОГРН,Ссылка\n1,vk.com/club1\n".encode("cp1251"))
    with pytest.raises(ContractError) as caught:
        intake(tmp_path)
    message = str(caught.value)
    assert "organizations_59.csv: missing column(s) «Администратор обучен» (admin_qualified)" in message
    assert "страницы.csv: missing column(s) «Отметка Госорганизация» (gov_mark), «Подключена к ПОС»" in message
    assert "CSV, Windows-1251, delimiter ','" in message


def test_unreadable_and_unnamed_files_are_contract_errors(tmp_path):
    (tmp_path / "organizations.csv").write_text(
        "ОГРН;Код региона;Наименование;Тип;Администратор обучен\n", encoding="utf-8"
    )
    (tmp_path / "pages.xlsx").write_bytes(b"not a zip")
    (tmp_path / "список.csv").write_text("ОГРН;Ссылка\n", encoding="utf-8")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ContractError) as caught:
        intake(tmp_path)
    message = str(caught.value)
    assert "pages.xlsx: not a readable XLSX file" in message
    assert "список.csv: cannot tell organisations from pages" in message
    assert "old.xls: old Excel format" in message
    with pytest.raises(ContractError, match="registry folder does not exist"):
        intake(tmp_path / "nowhere")


def test_no_organisations_file_is_a_contract_error(tmp_path):
    (tmp_path / "pages.csv").write_text("ОГРН;Ссылка;Отметка Госорганизация;Подключена к ПОС\n", encoding="utf-8")
    with pytest.raises(ContractError, match="no organisations file"):
        intake(tmp_path)


def test_shipped_templates_are_clean_and_agree(tmp_path):
    reference = resources.files("gospublic_rating").joinpath("reference")
    csv_result = intake(reference.joinpath("registry_template"))
    folder = tmp_path / "xlsx"
    folder.mkdir()
    with resources.as_file(reference.joinpath("registry_template.xlsx")) as path:
        shutil.copy(path, folder)
    xlsx_result = intake(folder)
    for result in (csv_result, xlsx_result):
        assert result.quarantine.num_rows == 0
        assert result.organizations.num_rows == 3
        assert set(result.pages.column("platform").to_pylist()) == {"vk", "ok", "telegram", "max"}
    assert xlsx_result.organizations.equals(csv_result.organizations)
    assert xlsx_result.pages.equals(csv_result.pages)
    assert [f.file for f in xlsx_result.files] == [
        "registry_template.xlsx [Организации]",
        "registry_template.xlsx [Страницы]",
    ]


def test_write_outputs_writes_the_tables_and_the_report(registry, tmp_path):
    result = intake(registry)
    written = write_outputs(result, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "organizations.parquet",
        "pages.parquet",
        "quarantine.parquet",
        "quarantine_report.txt",
        "regions.parquet",
    ]
    assert pq.read_table(written["pages"]).equals(result.pages)
    assert pq.read_table(written["quarantine"]).num_rows == 19
    assert written["quarantine_report"].read_text(encoding="utf-8") == result.report_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://vk.com/club123", ("vk", "123")),
        ("vk.com/public123", ("vk", "123")),
        ("http://vk.com/event00456/", ("vk", "456")),
        ("vk.com/some_name", ("vk", "some_name")),
        ("https://VK.com/Some.Name?w=wall-1_2#top", ("vk", "some.name")),
        ("https://m.vk.com/club123", ("vk", "123")),
        ("www.vk.com/club123", ("vk", "123")),
        ("https://vk.ru/minzdrav59", ("vk", "minzdrav59")),
        ("https://ok.ru/group/70000001234", ("ok", "70000001234")),
        ("ok.ru/group70000001234", ("ok", "70000001234")),
        ("https://m.ok.ru/group/70000001234/", ("ok", "70000001234")),
        ("ok.ru/Some.Name", ("ok", "some.name")),
        ("t.me/name_5", ("telegram", "name_5")),
        ("https://t.me/s/Perm_News", ("telegram", "perm_news")),
        ("https://telegram.me/name_5/", ("telegram", "name_5")),
        ("@Name_5", ("telegram", "name_5")),
        ("  @name_5  ", ("telegram", "name_5")),
        ("vk:123", ("vk", "123")),
        ("ok:70000001234", ("ok", "70000001234")),
        ("telegram:name_5", ("telegram", "name_5")),
    ],
)
def test_page_urls_are_normalised(text, expected):
    assert normalise_page_url(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://example.com/club123", "not a VK, OK, Telegram or MAX address"),
        ("https://vk.com.evil.ru/club1", "not a VK, OK, Telegram or MAX address"),
        ("ftp://vk.com/club1", "not http or https"),
        ("https://vk.com/", "names no page"),
        ("vk.com/id123", "personal profile"),
        ("vk.com/wall-123_45", "not the address of a community"),
        ("vk.com/club0", "not a positive number"),
        ("vk.com/club123/photos", "not the address of a community"),
        ("vk.com/12345", "not the address of a community"),
        ("vk.com/feed", "not the address of a community"),
        ("ok.ru/profile/123", "personal profile"),
        ("ok.ru/group/abc", "not the address of a group"),
        ("ok.ru/12345", "not the address of a group"),
        ("t.me/+AbCdEf", "private invite link"),
        ("https://t.me/joinchat/AbCdEf", "private invite link"),
        ("t.me/name_5/123", "not the address of a channel"),
        ("t.me/abc", "not a Telegram username"),
        ("@1name", "not a Telegram username"),
        ("@" + "a" * 33, "not a Telegram username"),
        ("@name-5", "not a Telegram username"),
        ("vk.com/club 123", "contains spaces"),
    ],
)
def test_bad_page_urls_are_rejected_with_a_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_page_url(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("да", True), ("ДА", True), ("1", True), ("True", True), ("+", True), (" yes ", True)]
    + [("нет", False), ("Нет", False), ("0", False), ("FALSE", False), ("-", False), ("no", False)],
)
def test_booleans(text, expected):
    assert parse_boolean(text) is expected


@pytest.mark.parametrize("text", ["", "д", "2", "истина", "y"])
def test_bad_booleans(text):
    with pytest.raises(ValueError, match="not a yes/no value"):
        parse_boolean(text)
