"""shieldwall.web: the review UI for moderators and the victim portal, on top of the API.

``create_site(settings, runtime=...)`` returns the API app with the pages and static
files mounted. See docs/review-ui.md and docs/victim-portal.md.
"""

from shieldwall.web.site import create_site

__all__ = ["create_site"]
