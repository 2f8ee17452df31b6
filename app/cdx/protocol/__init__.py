"""The sans-I/O wire format of PROTOCOL.md: no sockets, no asyncio, no clocks.

Shared by the client and the embedded exchange, so it is the single source of truth of the
wire; it is pinned by golden vectors in tests/unit.
"""
