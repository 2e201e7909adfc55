"""ISC (SailPoint Identity Security Cloud) tenant emulator for the Governance Groups API; see README.md."""
from .server import Emulator

__all__ = ["Emulator"]
