-- stg_regions
-- grain: one row per federal subject (region_code); uniqueness is checked on the raw
-- table by the raw validation suite, which stops a run before staging.
-- input: raw_regions (contract table `regions`).
select
    trim(region_code) as region_code,
    trim(region_name) as region_name,
    trim(federal_district) as federal_district
from raw_regions
