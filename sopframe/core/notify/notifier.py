"""What a notifier plugin implements: deliver one outbox row on one kind of channel.

Plugins return :class:`Notifier` objects from ``sopframe_notifiers``; each
declares the channel ``types`` it handles (``email``, ``webhook``, ``slack``,
``teams`` are the built-in ones).  The delivery worker calls
:meth:`Notifier.deliver` with the notification and the configured channel;
returning means delivered, :class:`DeliveryError` means not (retried with
backoff unless ``permanent``).  Delivery is at least once: a notifier sends
the notification's ``key`` along (a header, the Message-ID) so that a
receiver can drop a duplicate.
"""

from __future__ import annotations

import abc
import os
from typing import TYPE_CHECKING, Any, Mapping

from sopframe.errors import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.notify.model import Notification
    from sopframe.core.notify.routing import ChannelSpec

__all__ = ["Notifier", "DeliveryError", "option_problems"]

#: the kinds of channel option :func:`option_problems` checks
OPTION_KINDS = ("text", "port", "seconds", "file")


class DeliveryError(Exception):
    """A delivery that did not succeed; ``permanent`` ones go to the dead letters at once."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(abc.ABC):
    """Delivers notifications on the channel types it names."""

    #: the channel types (the ``type`` of a ``[notify.channels.NAME]`` table) this notifier delivers on
    types: tuple[str, ...] = ()

    def check(self, channel: "ChannelSpec") -> list[str]:
        """Problems with a channel's options (missing host or URL ...), said when the configuration is read."""
        return []

    @abc.abstractmethod
    def deliver(self, note: "Notification", channel: "ChannelSpec") -> None:
        """Send ``note`` on ``channel``; raise :class:`DeliveryError` if it was not accepted."""

    def close(self) -> None:
        """Release connections kept between deliveries (called when a worker stops)."""

    @staticmethod
    def option_problems(options: Mapping[str, Any], kinds: Mapping[str, str]) -> list[str]:
        """For ``check``: unknown options (with a did-you-mean) and values of the wrong kind, ``kinds`` mapping
        each option to ``text``, ``port``, ``seconds`` or ``file`` (see :func:`option_problems`)."""
        return option_problems(options, kinds)


def _shown(value: Any) -> str:
    from sopframe.core.safetext import escape

    return escape(repr(value))


def option_problems(options: Mapping[str, Any], kinds: Mapping[str, str]) -> list[str]:
    """Problems with a channel's options against ``kinds`` (option -> ``text``, ``port``, ``seconds`` or
    ``file``): unknown options (``type`` is always known) and values of the wrong type.  Each problem
    names its option first, in backticks, so the configuration reader can point at its line."""
    problems: list[str] = []
    for key, value in options.items():
        if key == "type":
            continue
        kind = kinds.get(key)
        if kind is None:
            problems.append(f"`{key}`: unknown option{did_you_mean(key, kinds)}; options: {', '.join(sorted(kinds))}")
        elif kind in ("text", "file") and (not isinstance(value, str) or not value.strip()):
            problems.append(f"`{key}` must be a non-empty string, not {_shown(value)}")
        elif kind == "file" and not os.path.isfile(value):
            problems.append(f"`{key}`: no such file {_shown(value)}")
        elif kind == "port" and (not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536):
            problems.append(f"`{key}` must be a whole number from 1 to 65535, not {_shown(value)}")
        elif kind == "seconds" and (not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0):
            problems.append(f"`{key}` must be a number of seconds greater than 0, not {_shown(value)}")
    return problems
