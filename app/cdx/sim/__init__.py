"""The embedded exchange: a pure matching engine and a synthetic market that keeps it moving.

Nothing here does I/O or reads a clock; `cdx.server` puts it on the wire.
"""
