"""The exchange front: REST and WebSocket on one port, speaking PROTOCOL.md over a backend.

The backend today is the embedded exchange (`cdx.sim`); the front owns everything that is wire:
routing, form decoding, signature and time checks, rate limits, envelopes, gzip frames and
heartbeats, and the fault switches of the reliability tests. Only `cdx.server.runner`, where the
exchange is assembled, imports `cdx.sim`; it is the entry point others use.
"""
