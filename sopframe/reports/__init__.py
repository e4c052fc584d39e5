"""Reports over the read models: figures computed from rows, rendered as text, JSON, CSV or one HTML page."""
