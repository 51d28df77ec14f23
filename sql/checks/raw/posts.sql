-- check frame raw.posts: the posts as delivered; smallest_counter is the least of views,
-- likes, comments and reposts (one check instead of four; the example rows show all four);
-- counters_plausible is false when one of them is above its bound ($max_views, $max_likes,
-- $max_comments, $max_reposts: expectations/settings.toml); page_in_registry and
-- platform_matches_page say whether the post's page is a registry page of the same platform.
-- counters_present: views always, likes, comments and reposts on the platforms that report
-- them ($engagement_platforms, from the platform registry; MAX reports views only, its other
-- counters are null).
-- Registry pages are taken once per page_id (a duplicate page_id fails raw.pages), so the
-- join never repeats a post.
with registry as (select page_id, min(platform) as platform from raw_pages group by page_id)

select
    p.*,
    least(p.views, p.likes, p.comments, p.reposts) as smallest_counter,
    coalesce(
        p.views <= $max_views and p.likes <= $max_likes and p.comments <= $max_comments
        and p.reposts <= $max_reposts,
        true
    ) as counters_plausible,
    p.views is not null
    and (
        not list_contains($engagement_platforms, p.platform)
        or (p.likes is not null and p.comments is not null and p.reposts is not null)
    ) as counters_present,
    r.page_id is not null as page_in_registry,
    coalesce(p.platform = r.platform, false) as platform_matches_page,
    r.platform as page_platform
from raw_posts as p
left join registry as r on r.page_id = p.page_id
