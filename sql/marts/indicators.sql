-- indicators
-- grain: one row per region (region_code) and indicator of the methodology (I1..I8 in v1, I1..I9 in v2).
-- inputs: int_region_indicators, methodology_indicators; parameters $score_scale,
-- $clip_low_quantile, $clip_high_quantile.
-- score: share indicators score $score_scale x value. Continuous indicators are clipped to
-- the [clip_low_quantile, clip_high_quantile] quantiles of the non-null regional values
-- (linear interpolation) and rescaled to 0..$score_scale; when both bounds are equal every
-- non-null value scores $score_scale; a null value scores 0.
-- The ratio (value - low) / (high - low) is clamped to [0, 1] before it is scaled: at
-- value = high it is exactly 1, so the bounds map exactly to 0 and $score_scale (scaling
-- first, $score_scale * (high - low) / (high - low), can round to 100.00000000000001).
with bounds as (
    select
        i.indicator,
        quantile_cont(i.value, $clip_low_quantile) as clip_low,
        quantile_cont(i.value, $clip_high_quantile) as clip_high
    from int_region_indicators as i
    inner join methodology_indicators as m on m.indicator = i.indicator
    where m.kind = 'continuous' and i.value is not null
    group by i.indicator
)

select
    i.region_code,
    i.indicator,
    m.block,
    i.value,
    case
        when m.kind = 'share' then $score_scale * i.value
        when i.value is null then 0.0
        when b.clip_high = b.clip_low then $score_scale
        else $score_scale * least(greatest((i.value - b.clip_low) / (b.clip_high - b.clip_low), 0.0), 1.0)
    end as score,
    i.numerator,
    i.denominator,
    b.clip_low,
    b.clip_high
from int_region_indicators as i
inner join methodology_indicators as m on m.indicator = i.indicator
left join bounds as b on b.indicator = i.indicator
