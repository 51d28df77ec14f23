-- check frame marts.indicators
select * from indicators
