"""pingan — 平安政法协同平台."""

__version__ = "0.1.0"
