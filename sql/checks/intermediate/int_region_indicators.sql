-- check frame intermediate.int_region_indicators
-- grain: one row per region, one column per indicator value (the methodology's: I1..I8 in v1, I1..I9 in v2).
pivot (select region_code, indicator, value from int_region_indicators)
on indicator using first(value)
group by region_code
