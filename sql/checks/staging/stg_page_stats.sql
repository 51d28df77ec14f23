-- check frame staging.stg_page_stats
select * from stg_page_stats
