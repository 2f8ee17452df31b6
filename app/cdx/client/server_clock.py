"""How old the market stream's data was on arrival, from the server's own stamps.

Every message stamped by the server (a push's `ts`, a reply's `ts`, the server's own
`{"ping": server_ms}`) bounds the offset between its clock and ours from below (it cannot
arrive before it was sent), and the largest bound, from the quickest message, is the estimate:
with a server whose stamps are true it never makes data look older than it is (one stamped in
the future makes later data look older, never newer), and one prompt message (the
subscription's answer, a ping) is enough for a backlog behind it to show its true age. The
server's pings alone (every 10 s) would leave the first seconds of a session unknown; the REST
client's `clock_offset_ms` is only corrected when the server refuses a signed request's time,
so it is not used here. The estimate may fall by `CLOCK_DRIFT` (a clock drifting or stepped
back is learnt again) and starts over with each connection.
"""

from __future__ import annotations

from cdx.protocol import gate

CLOCK_DRIFT = 0.001
"""How fast the estimate of the server's clock may fall behind the best bound seen, in ms per
ms (0.1 %): ten times the drift of an undisciplined quartz clock, so a clock stepped back is
learnt again within minutes, and a backlog that lasts an hour still shows within 4 s of its
true age."""


class ServerClock:
    """The estimate of the server's clock learnt from one connection's messages."""

    def __init__(self) -> None:
        self._offset_ms: float | None = None  # server clock - ours, a lower bound (see module)
        self._offset_at = 0.0  # our clock when the bound was last raised

    def reset(self) -> None:
        """Forget the estimate: another connection may reach another server."""
        self._offset_ms = None

    def lag(self, server_ms: int | None, now: float) -> float:
        """How old a message stamped `server_ms` by the server was when it arrived by `now`.

        Raises the estimate of the server's clock if this message proves it later (see the
        module's docstring); 0 when the message carries no time.
        """
        if server_ms is None:
            return 0.0
        now_ms = now * 1000.0
        bound = server_ms - now_ms
        if self._offset_ms is None:
            self._offset_ms, self._offset_at = bound, now_ms
        else:
            drifted = self._offset_ms - CLOCK_DRIFT * max(now_ms - self._offset_at, 0.0)
            if bound >= drifted:
                self._offset_ms, self._offset_at = bound, now_ms
            else:
                self._offset_ms, self._offset_at = drifted, now_ms
        return max(now_ms + self._offset_ms - server_ms, 0.0) / 1000.0


def ping_time(value: int) -> int | None:
    """A server ping's number as its clock in ms, if it is one (PROTOCOL.md section 6)."""
    try:
        return gate.time_ms(value)
    except ValueError:
        return None
