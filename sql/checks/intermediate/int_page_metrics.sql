-- check frame intermediate.int_page_metrics
select * from int_page_metrics
