-- check frame marts.ranking
select * from ranking
