"""sopframe's built-in plugins.

Each registers through the ``sopframe`` entry-point group in pyproject.toml,
exactly as a third-party plugin does.
"""
