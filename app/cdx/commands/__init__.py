"""One module per `cdx` subcommand; each wires the layers it needs (DESIGN.md: only the
command line may import both the UI and the embedded exchange)."""
