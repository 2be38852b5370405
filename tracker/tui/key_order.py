"""Keys in the order they were typed, each to where the key before it left the focus.

Why: Textual hands a key to the focused widget's own message queue and goes
straight on to the next key. The key then bubbles, queue by queue, up to the
screen and the app, where the bindings run (Tab's `focus_next`, Escape's
`dismiss`), and `Widget.focus` itself only asks the app's queue to move the
focus. A key typed before that journey has ended is therefore handed to the
widget that had the focus when it arrived: an `X` typed straight after Tab lands
in the field Tab is leaving, and under load four fields early.

So the app holds each key until the key before it has come to rest (stopped by a
widget, or handled by the app's bindings), and until whatever that key asked of
the app's queue (a focus change, a new screen's first focus) has been done. Keys
are never dropped: one whose widget disappears under it counts as at rest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.message_pump import MessagePump


class FollowedKey(events.Key):
    """A typed key that says where it is on its way up the DOM."""

    def __init__(self, typed: events.Key, at_rest: Callable[[FollowedKey], None]) -> None:
        super().__init__(typed.key, typed.character)
        self.time = typed.time
        self.holder: MessagePump | None = None
        self._at_rest = at_rest
        self._rested = False

    def follow(self, pump: MessagePump) -> None:
        """The key has been posted to `pump`: look again once `pump` has handled it."""
        self.holder = pump
        if not pump.call_later(self._handled_by, pump):
            self.rest()

    def _handled_by(self, pump: MessagePump) -> None:
        if self.holder is pump:  # it went no further: stopped here or at the top
            self.rest()

    def _bubble_to(self, widget: MessagePump) -> None:
        super()._bubble_to(widget)
        self.follow(widget)

    def rest(self) -> None:
        if not self._rested:
            self._rested = True
            self._at_rest(self)

    @property
    def lost(self) -> bool:
        """The widget holding the key has gone (its queue will never reach it)."""
        holder = self.holder
        return holder is not None and (holder._closing or holder._closed)


FollowedKey.handler_name = events.Key.handler_name  # handled everywhere as the key it is


class KeysInOrderApp(App[None]):
    """An app that hands keys on one at a time (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._typed: deque[events.Key] = deque()
        self._moving: FollowedKey | None = None

    def keys_waiting(self) -> int:
        """Keys typed and not yet at rest (the one on its way included)."""
        return len(self._typed) + (self._moving is not None)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and not isinstance(event, FollowedKey):
            self._typed.append(event)
            if self._moving is not None and self._moving.lost:
                self._moving.rest()
            elif self._moving is None:
                await self._hand_on_next_key()
            return
        await super().on_event(event)

    async def _hand_on_next_key(self) -> None:
        if self._moving is not None or not self._typed:
            return
        screen = self.screen
        if not screen.is_mounted and screen.call_later(self.call_later, self._hand_on_next_key):
            return  # a screen still opening: after its first focus
        key = FollowedKey(self._typed.popleft(), self._key_at_rest)
        self._moving = key
        target = self.focused or screen
        await super().on_event(key)
        if key.is_forwarded:
            key.follow(target)
        else:  # a priority binding or the app itself took it
            key.rest()

    def _key_at_rest(self, key: FollowedKey) -> None:
        if key is self._moving:
            self._moving = None
            # through the app's queue: after the focus changes the key asked for
            self.call_later(self._hand_on_next_key)
