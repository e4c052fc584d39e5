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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.notify.model import Notification
    from sopframe.core.notify.routing import ChannelSpec

__all__ = ["Notifier", "DeliveryError"]


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
