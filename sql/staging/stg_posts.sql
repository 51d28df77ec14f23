-- stg_posts
-- grain: one row per post (page_id, post_id) published in the rated period; uniqueness of
-- post_id per page is checked on the raw table by the raw validation suite, which stops a
-- run before staging (a duplicate is an extraction fault to fix, not to paper over).
-- input: raw_posts (contract table `posts`); parameters $period_start, $period_end (the
-- period's bounds, Moscow midnight, as timestamptz). A missing counter counts as 0.
select
    page_id,
    platform,
    post_id,
    published_at,
    coalesce(views, 0) as views,
    coalesce(likes, 0) as likes,
    coalesce(comments, 0) as comments,
    coalesce(reposts, 0) as reposts
from raw_posts
where published_at >= $period_start and published_at < $period_end
