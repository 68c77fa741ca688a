"""Regulatory outputs: DSA statements of reasons, transparency reports and legal clocks.

- :mod:`~shieldwall.reports.clocks`: deadlines and breaches per jurisdiction, computed
  from timestamps (never typed in).
- :mod:`~shieldwall.reports.sor`: a statement of reasons per restriction, in the DSA
  Transparency Database submission format, validated against a JSON Schema kept in
  this package, and the uploader's plain-language notice with the same reasons.
- :mod:`~shieldwall.reports.transparency`: counts, percentiles and shares over a
  period (pure), rendered by :mod:`~shieldwall.reports.render` as HTML, PDF, JSON or CSV.
"""
