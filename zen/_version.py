"""The zen version, read by the build and by ``zen --version``."""

__version__ = "0.1.0"
