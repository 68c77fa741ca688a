"""The pages, one module per area: sign-in and accounts (``staff``), the review desk
(``review``), victims' requests and child safety (``review_cases``), the victim portal
(``portal``) and the compliance dashboard (``dashboard``).

A page module takes what it shares with others from ``web/deps.py`` and renders through
``web/templating.py``; only the app factory (``web/site.py``) includes the routers.
"""
