"""Pure domain types shared by the client, the UI and the embedded exchange. No I/O."""
