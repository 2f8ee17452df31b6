"""Fault injection switches for reliability tests: slow or failing REST, broken WebSockets.

They are the front's misbehaviour, not the market's, so they live with the front: the same
switches work whatever backend the front serves (the embedded engine or, later, a relay).

The exchange front reads these on every request and push, so a test (or a person in a
debugger) flips a field on the live object and the next request or frame misbehaves. They are
plain mutable attributes on purpose: setting one from another thread is a single assignment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Faults:
    """Mutable switches the front consults; all off by default.

    - `rest_delay`: seconds every REST response is held back, after the request was executed
      (so a client that times out cannot know whether its order was placed).
    - `rest_fail_next`: the next N REST requests answer 503 + `100002` without executing.
    - `drop_ws_next`: every open WebSocket connection is cut abruptly (no close frame) within
      about 50 ms; the switch then turns itself off. Set while no connection is open, it cuts
      the next one to open.
    - `corrupt_next_frames`: the next N channel pushes (snapshots included) are sent as bytes
      that are not valid gzip; replies and pings stay intact.
    - `stall_ws`: WebSocket connections send nothing at all (no replies, pushes or pings) while
      set; the sockets stay open. Pushes resume from where they stopped once cleared.
    """

    rest_delay: float = 0.0
    rest_fail_next: int = 0
    drop_ws_next: bool = False
    corrupt_next_frames: int = 0
    stall_ws: bool = False

    def take_rest_failure(self) -> bool:
        """Whether this REST request must fail; consumes one of `rest_fail_next`."""
        if self.rest_fail_next > 0:
            self.rest_fail_next -= 1
            return True
        return False

    def take_corruption(self) -> bool:
        """Whether this push must be corrupted; consumes one of `corrupt_next_frames`."""
        if self.corrupt_next_frames > 0:
            self.corrupt_next_frames -= 1
            return True
        return False

    def take_drop(self) -> bool:
        """Whether open WebSocket connections must be cut now; turns the switch off."""
        if self.drop_ws_next:
            self.drop_ws_next = False
            return True
        return False

    def reset(self) -> None:
        """Turn every switch off."""
        self.rest_delay = 0.0
        self.rest_fail_next = 0
        self.drop_ws_next = False
        self.corrupt_next_frames = 0
        self.stall_ws = False
