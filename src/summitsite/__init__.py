"""summitsite: a static site generator for news analysis."""

__version__ = "0.1.0"
