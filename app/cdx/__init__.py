"""cdx: a keyboard-first terminal trading dashboard with an embedded exchange."""

__version__ = "0.1.0"
