-- stg_regions
-- grain: one row per federal subject (region_code).
-- input: raw_regions (contract table `regions`).
-- Staging renames nothing and repairs nothing: the raw validation suites, which stop a run
-- before staging, guarantee unique keys and codes of the reference list.
select region_code, region_name, federal_district
from raw_regions
