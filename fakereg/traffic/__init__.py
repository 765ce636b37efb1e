"""The traffic a registry saw: request kinds, records, the log, redaction, the JSON form."""

from .kinds import RECORDED_KINDS, Kind

__all__ = ["RECORDED_KINDS", "Kind"]
