"""Exceptions raised by the Sepidar client.

The classes tell the caller *what to do next*, which is what the Odoo layer needs:

* ``SepidarAuthError``: fix credentials / device registration; retrying is useless.
* ``SepidarVersionMismatch``: fix the configured API level.
* ``SepidarValidationError``: fix the data; Sepidar's own (Persian) text is kept.
* ``SepidarTransientError``: nothing was committed; retry later.
* ``SepidarUnknownOutcome``: a write may or may not have been committed; look the
  document up by its GUID before sending it again.

Messages are plain English so the Odoo layer can translate them; the server's text is
kept verbatim in ``sepidar_message``.
"""


class SepidarError(Exception):
    """Base class of every error raised by the Sepidar client."""

    def __init__(self, message, *, status=None, sepidar_message=None, body=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.sepidar_message = sepidar_message
        self.body = body

    @property
    def error_type(self):
        """Sepidar's error ``Type`` (0 business, 1 program error), if it sent one."""
        return self.body.get("Type") if isinstance(self.body, dict) else None

    def __str__(self):
        if self.sepidar_message and self.sepidar_message not in self.message:
            return f"{self.message} (Sepidar: {self.sepidar_message})"
        return self.message


class SepidarConfigError(SepidarError):
    """The connection settings are incomplete or malformed (serial, key, URL)."""


class SepidarAuthError(SepidarError):
    """Sepidar refused the device, the user, the token or the request signature."""


class SepidarVersionMismatch(SepidarError):
    """The ``GenerationVersion`` header does not match the server's API level."""

    def __init__(self, client_version, server_version, **kwargs):
        self.client_version = client_version
        self.server_version = server_version
        server = server_version if server_version is not None else "unknown"
        message = (
            f"Sepidar API level mismatch: this connection sends GenerationVersion "
            f"{client_version} but the Sepidar server is at level {server}. "
            f"Change the configured generation version to match the server."
        )
        super().__init__(message, status=kwargs.pop("status", 412), **kwargs)


class SepidarValidationError(SepidarError):
    """Sepidar rejected the request's content (a 4xx business or binding error)."""


class SepidarNotFound(SepidarValidationError):
    """The requested record does not exist in Sepidar (HTTP 404)."""


class SepidarAlreadyRegistered(SepidarValidationError):
    """The device serial was registered before; Sepidar never re-sends the key."""


class SepidarTransientError(SepidarError):
    """The request certainly had no effect (refused, 5xx, 429, or a safe timeout)."""


class SepidarUnknownOutcome(SepidarError):
    """A write was sent but no answer came back: Sepidar may have committed it.

    ``guid`` is the document GUID that was sent, if any, so the caller can look the
    document up before deciding to send it again.
    """

    def __init__(self, message, *, method=None, path=None, guid=None, **kwargs):
        super().__init__(message, **kwargs)
        self.method = method
        self.path = path
        self.guid = guid
