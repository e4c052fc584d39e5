"""``sopframe serve``: the JSON API and the server-rendered web UI (needs the ``server`` extra).

The server is an adapter: each route parses its input, authenticates the
caller (:mod:`.security`), calls the same services and engine as the CLI
(:mod:`sopframe.services`), and renders JSON (:mod:`.api`) or HTML
(:mod:`.web`).  The authenticated user is the actor of every command.
"""
