"""The traffic a registry saw: request kinds, records, the logs, redaction, the JSON form,
and the sink of the server's errors.

``kinds.py`` (:class:`Kind`), ``memo.py`` (:class:`BoundedMemo`), ``records.py``
(:class:`RecordedRequest`, :class:`HeaderMap`, :class:`RawRequest`, :class:`PublishRecord`),
``log.py`` (:class:`Log`, :class:`RequestLog`, ``PublishLog``), ``requests.py``
(:class:`RequestList`, failure messages), ``redaction.py`` (what a reader is shown of
secrets), ``jsonform.py`` (the control API's JSON of records and faults), ``errorsink.py``
(:class:`ErrorSink`).
"""

from .kinds import RECORDED_KINDS, Kind

__all__ = ["RECORDED_KINDS", "Kind"]
