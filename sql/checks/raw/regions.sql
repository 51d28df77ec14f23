-- check frame raw.regions: the regions table as delivered.
select * from raw_regions
