-- check frame raw.page_stats: the page statistics as delivered, with whether the page is
-- in the registry.
select s.*, s.page_id in (select page_id from raw_pages) as page_in_registry
from raw_page_stats as s
