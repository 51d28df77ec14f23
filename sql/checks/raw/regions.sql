-- check frame raw.regions: the regions table as delivered, with the reference list's name
-- and federal district of its code (reference_regions: include/gospublic_rating/reference/
-- regions.csv); matches_reference is false unless code, name and district all equal it.
select
    r.*,
    f.region_name as reference_region_name,
    f.federal_district as reference_federal_district,
    coalesce(
        f.region_code is not null
        and r.region_name is not distinct from f.region_name
        and r.federal_district is not distinct from f.federal_district,
        false
    ) as matches_reference
from raw_regions as r
left join reference_regions as f on f.region_code = r.region_code
