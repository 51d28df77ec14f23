-- check frame staging.stg_regions
select * from stg_regions
