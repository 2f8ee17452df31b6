"""Modal screens over the dashboard: confirmation, symbol picker, help."""
