-- check frame raw.posts: the posts as delivered; smallest_counter is the least of views,
-- likes, comments and reposts (one check instead of four; the example rows show all four).
select *, least(views, likes, comments, reposts) as smallest_counter
from raw_posts
