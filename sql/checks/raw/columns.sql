-- check frame raw.columns
-- grain: one row per column the contract requires of a raw table.
-- inputs: contract_columns (from contract.py), the raw_* views.
-- actual_type is null when the column is missing; type_matches is false when the
-- column is missing or has another type.
with actual as (
    select table_name, column_name, data_type
    from information_schema.columns
    where table_name like 'raw\_%' escape '\'
)

select
    replace(c.table_name, 'raw_', '') as table_name,
    c.column_name,
    c.data_type as expected_type,
    a.data_type as actual_type,
    coalesce(a.data_type = c.data_type, false) as type_matches
from contract_columns as c
left join actual as a on a.table_name = c.table_name and a.column_name = c.column_name
