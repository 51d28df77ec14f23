-- stg_regions
-- grain: one row per federal subject (region_code).
-- input: raw_regions (contract table `regions`).
with cleaned as (
    select
        trim(region_code) as region_code,
        trim(region_name) as region_name,
        trim(federal_district) as federal_district
    from raw_regions
    where region_code is not null
)

select region_code, region_name, federal_district
from cleaned
qualify row_number() over (partition by region_code order by region_name, federal_district) = 1
