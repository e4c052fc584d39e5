"""Every sopframe hook, in one place.  Each docstring is the hook's documentation.

Plugins implement hooks with :data:`hookimpl` and register through the
``sopframe`` entry-point group::

    [project.entry-points.sopframe]
    acme = "acme_sopframe.plugin"

Hook names all start with ``sopframe_``; a misspelled implementation fails at
load, naming the plugin.  Core code never calls ``pm.hook`` directly: it goes
through the typed wrapper in :mod:`sopframe.pluginmanager`, which calls each
plugin's implementation through its own pluggy hook caller, in pluggy's order
(``tryfirst``, then the last registered first, then ``trylast``; wrappers
wrap each call), so that one failing plugin is reported once and the others
still run.  Each hook's result is kept for the process.

Every hook needs a section in ``docs/plugins.md`` headed with its exact
signature; a test fails for a hook that has none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule
    from sopframe.core.frameworks import Framework
    from sopframe.core.notify.model import Trigger
    from sopframe.core.notify.notifier import Notifier
    from sopframe.core.schema import SchemaExtension

__all__ = ["hookspec", "hookimpl", "PROJECT"]

PROJECT = "sopframe"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def sopframe_rules() -> Sequence["Rule"]:
    """Return the template rules this plugin contributes.

    Called once per process, when rules are first needed (``sopframe validate``,
    ``sopframe rules``, ``sopframe explain``).  Return a sequence of
    :class:`sopframe.Rule`.  Each rule's ``code`` must start with a prefix of
    capital letters that belongs to this plugin (``ACME101``); the ``SOP``
    prefix is reserved for sopframe's core.  A code that another plugin
    already registered is reported as a collision (SOP902) and the later
    rule is dropped.  Every implementation's result is used, in pluggy's call
    order.  A rule's ``check`` receives a
    :class:`sopframe.TemplateGraph` and yields findings; if it raises, the
    error is reported as finding SOP901 naming the plugin and rule (an error
    for ``validate``, not a reason to refuse ``job start``), and the other
    rules still run; ``--strict-plugins`` makes it fatal.
    """


@hookspec
def sopframe_schema_extensions() -> Sequence["SchemaExtension"]:
    """Return extensions to the template language's JSON Schema.

    Called once per process before templates are validated and by
    ``sopframe schema``.  Return a sequence of
    :class:`sopframe.SchemaExtension`: new field types, template kinds or
    frameworks (added to the schema's enumerations), and new optional
    top-level keys with their JSON Schema.  Extensions never remove or
    loosen what the base schema says.  Every implementation's result is
    merged in pluggy's call order.
    """


@hookspec
def sopframe_template_dirs() -> Sequence[Any]:
    """Return directories of templates this plugin ships (a template pack).

    Called by ``sopframe templates`` (the template list) and by anything that
    looks a template up by id.  Return a sequence of :class:`pathlib.Path`
    or :mod:`importlib.resources` traversables; every ``*.yaml`` / ``*.yml``
    file below them, recursively, is a template.  Every implementation's
    result is used.
    """


@hookspec
def sopframe_cli_commands() -> Sequence[Any]:
    """Return extra CLI commands (:class:`click.Command` objects).

    Called when the ``sopframe`` command line is built for a command it does
    not know itself (core commands never load plugins just to start).  Each
    command is added under its own name; a name that a core command or an
    earlier plugin already uses is reported and skipped.  Every
    implementation's result is used.
    """


@hookspec(firstresult=True)
def sopframe_store(url: str, create: bool) -> Any:
    """Open a job store for ``url``, or return None if this plugin does not handle it.

    Called by every command that reads or writes jobs (``sopframe job ...``,
    ``sopframe sops``, ``sopframe overdue``, ``sopframe demo``) with the URL
    from ``--store``, SOPFRAME_STORE or the ``store`` configuration key.
    Return a :class:`sopframe.Store` (subclass it) for URLs of your
    scheme and None for any other; the first non-None result, in pluggy's
    call order (``tryfirst`` first), is used.  Raise
    :class:`sopframe.StoreError` if the URL is yours but the store
    cannot be opened.  Run :mod:`sopframe.testing.store_contract`'s suite against it.

    ``create`` is False when the command only works on records that must
    exist already (``job show``, ``job list``, ``verify``, ``sops``,
    ``overdue``...): a backend that makes a new, empty store when it opens
    one that does not exist (as the embedded SQLite file does) should raise
    :class:`sopframe.StoreError` instead, so that a mistyped location is
    reported rather than answered with "no jobs".  It is True for commands
    that start records (``job start``, ``demo``) or manage the store.  An
    implementation may leave the argument out of its signature.
    """


@hookspec
def sopframe_frameworks() -> Sequence["Framework"]:
    """Return the compliance frameworks this plugin checks.

    Called by ``sopframe coverage`` and by ``--framework`` to know which
    framework ids exist.  Return a sequence of
    :class:`sopframe.Framework`: the id templates write under
    ``frameworks:``, a title and the control catalogue (control id -> a short
    title in the plugin's own words).  Rules that check a framework cite
    catalogue ids in ``Rule.controls``.  Every implementation's result is used.
    """


@hookspec
def sopframe_notifiers() -> Sequence["Notifier"]:
    """Return the notifiers this plugin contributes: each delivers on its channel types.

    Called by ``sopframe notify run`` (and when the ``[notify]`` configuration
    is read, to know the channel types that exist).  Return a sequence of
    :class:`sopframe.Notifier` objects; each names its channel ``types``
    (``email``, ``webhook``, ``slack`` and ``teams`` are the built-in
    notifiers' own, registered through this same hook) and implements
    ``deliver(note, channel)``: return when the message was accepted, raise
    :class:`sopframe.DeliveryError` when not (retried with backoff, or
    dead-lettered at once with ``permanent=True``).  Delivery is at least
    once: send ``note.key`` along (a header, the Message-ID) so receivers can
    drop duplicates.  A type that an earlier notifier already handles is
    reported and the later one skipped.  Every implementation's result is used.
    """


@hookspec
def sopframe_notify_triggers() -> Sequence["Trigger"]:
    """Return notification triggers this plugin adds: an event type that tells a role.

    Called when notifications are planned (every job command on a store with
    a ``[notify]`` configuration) and by ``sopframe validate``, so that a
    template's ``notify:`` key may name the trigger.  Return a sequence of
    :class:`sopframe.Trigger`: its ``kind`` (routed like the built-in ones in
    ``[notify.routes]``), the ``event_type`` whose appends cause it,
    ``recipients(event, template)`` giving role ids and ``subject(event,
    job_title)``.  The rows are written in the same transaction as the event.
    Every implementation's result is used; a kind that is built in or already
    added is reported and skipped.
    """
