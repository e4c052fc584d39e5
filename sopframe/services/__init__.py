"""Application services: what every adapter (the CLI, a future server) calls above the engine."""
