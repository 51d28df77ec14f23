-- check frame staging.stg_pages
select * from stg_pages
