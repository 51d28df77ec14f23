-- check frame intermediate.int_region_indicators
-- grain: one row per region, one column per indicator value (I1..I8).
pivot (select region_code, indicator, value from int_region_indicators)
on indicator using first(value)
group by region_code
