"""roost: a self-hosted AWS Config."""

__version__ = "0.1.0"
