"""VK: communities through the VK API (``api.py``, ``planner.py``, ``parser.py``, ``urls.py``).

The package provides the address names of :class:`gospublic_rating.platforms.PlatformPlugin`;
the planner (``planner.make_extractor``) and the parser (``parser.parse``) are imported by
the registry record when a task needs them, not with the package.
"""

from .urls import page_from_id, page_from_url

__all__ = ["page_from_id", "page_from_url"]
