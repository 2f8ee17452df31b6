"""The user side's I/O: signed REST (`rest`), the market WebSocket (`stream`) and the one
shared rate limiter (`ratelimit`). Knows nothing of Textual; the UI calls its async API."""
