-- check frame staging.stg_posts
-- grain: one row per page with posts: the page's staged posts summarised (5 M posts are
-- checked through 300 k page rows; the raw suite checked each post row).
select
    page_id,
    count(*) as posts_count,
    min(published_at) as first_published_at,
    max(published_at) as last_published_at,
    least(min(views), min(likes), min(comments), min(reposts)) as smallest_counter
from stg_posts
group by page_id
