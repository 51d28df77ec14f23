-- ranking
-- grain: one row per region (region_code).
-- inputs: indicators, methodology_indicators, stg_regions; parameters $block1_weight,
-- $block2_weight, $total_decimals, $points_decimals.
-- block1, block2: weighted means of the block's indicator scores, summed in indicator
-- order so that the same inputs always give the same bits. total: their weighted
-- sum. points: total rounded half away from zero to $points_decimals decimals (after
-- taking it to $total_decimals decimals, which removes binary floating-point noise).
-- place: dense rank by points, descending; equal points share a place.
with blocks as (
    select
        i.region_code,
        list_sum(list(i.score * m.weight order by i.indicator) filter (where m.block = 1))
        / list_sum(list(m.weight order by i.indicator) filter (where m.block = 1)) as block1,
        list_sum(list(i.score * m.weight order by i.indicator) filter (where m.block = 2))
        / list_sum(list(m.weight order by i.indicator) filter (where m.block = 2)) as block2
    from indicators as i
    inner join methodology_indicators as m on m.indicator = i.indicator
    group by i.region_code
),

totals as (
    select
        region_code,
        block1,
        block2,
        $block1_weight * block1 + $block2_weight * block2 as total
    from blocks
),

pointed as (
    select
        *,
        round(round(total::decimal(38, 12), $total_decimals), $points_decimals)::double as points
    from totals
)

select
    p.region_code,
    r.region_name,
    r.federal_district,
    p.block1,
    p.block2,
    p.total,
    p.points,
    dense_rank() over (order by p.points desc) as place
from pointed as p
inner join stg_regions as r on r.region_code = p.region_code
