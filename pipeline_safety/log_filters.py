"""Logging filters (settings.LOGGING)."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx answer (403 permission denied, 400 bad request) is the client's error:
    Django logs it with the exception's traceback, which says nothing useful and
    buries the log. Keep the one WARNING line; 5xx keep their traceback."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
