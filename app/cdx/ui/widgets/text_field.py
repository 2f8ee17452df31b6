"""A text input that applies every key in the order it was typed, however fast they come.

Textual's `Input` inserts a printable key when the key reaches it, but an editing key bound
without priority (End, Backspace, Ctrl+U, Home, the arrows, Enter) only runs once the key has
bubbled from the input through each of its ancestors back to the app, a message queue per
hop; the app then runs the binding on whatever is focused *at that moment*. Keys that arrive
in one read (a paste, a fast typist, `tmux send-keys`) therefore overtake each other: in
`End Backspace Backspace 27000 Tab 0.01` the digits are typed before End and the Backspaces
run, and those run on the amount field, which Tab (a priority binding) focused meanwhile.

`TextField` resolves a key's binding where the key is, in its own queue: its own bindings and
its ancestors' (the form's Escape, Ctrl+T), from itself up, as the app would have, on the
field it was typed into and without the trip up and back. The app routes the next key of a
burst only once this one has been taken (`cdx.ui.key_order`), so the order holds as well.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TextField(Input):
    """An `Input` whose bound keys (End, Backspace, Ctrl+U, Enter...) keep their typing order."""

    async def _on_key(self, event: events.Key) -> None:
        """Run the key's binding now, from this field up, instead of after it bubbled away.

        A printable key the field consumes is left to `Input` (inserted, in order); a key no
        node up to the screen binds bubbles on as before (the app's own bindings).
        """
        if self.check_consume_key(event.key, event.character):
            return  # Input._on_key inserts it, after this handler
        if await self._run_binding(event.key):
            event.stop()
            event.prevent_default()

    async def _run_binding(self, key: str) -> bool:
        """Run the first enabled non-priority binding of `key` from this field up to the first
        modal node (the screen), as `App._check_bindings` would for the focused widget; True
        if one ran. Priority bindings have already run when the key was read."""
        app = self.app
        for node in self.ancestors_with_self:
            if node is app:
                break
            for binding in node._bindings.key_to_bindings.get(key, ()):
                if not binding.priority and await app.run_action(binding.action, node):
                    return True
            if node.is_modal:
                break
        return False
