-- check frame marts.ranking_places
-- grain: one row: how the places are laid out.
-- order_violations counts pairs of regions where more points got a worse place.
select
    min(place) as min_place,
    max(place) as max_place,
    count(distinct place) as distinct_places,
    (
        select count(*)
        from ranking as a
        inner join ranking as b on a.points > b.points and a.place >= b.place
    ) as order_violations
from ranking
