"""Notifications: what the outbox holds, who is told of what, and the pure planning of it.

Nothing here sends anything.  :mod:`.model` holds the outbox row and the
trigger names, :mod:`.routing` the routing configuration (event kinds ->
channels, people's addresses, per-template overrides), :mod:`.planning`
turns a command's events into outbox rows, :mod:`.timed` finds the
time-based ones ``sopframe tick`` enqueues.  Delivery is a service
(:mod:`sopframe.services.notify`) calling notifier plugins.
"""
