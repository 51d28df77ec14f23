-- check frame intermediate.posts_counted
-- grain: one row: the posts delivered (raw_posts, what snapshot.runs.posts_count reports)
-- and the posts the page metrics counted (int_page_metrics.posts_count summed). They must be
-- equal: a post the metrics dropped (of an unknown page, outside the period, ...) would
-- otherwise be reported as rated.
select
    (select count(*) from raw_posts) as raw_posts_count,
    (select coalesce(sum(posts_count), 0) from int_page_metrics)::bigint as counted_posts_count
