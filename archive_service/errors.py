"""The one error type the domain raises: a code, a Chinese message and an HTTP status."""

from __future__ import annotations


class AppError(Exception):
    """A problem the user can act on; ``message`` says what is wrong and what to do."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class NotFound(AppError):
    status = 404

    def __init__(self, message: str = "没有找到该记录，可能已被删除或您无权查看。") -> None:
        super().__init__("not_found", message)


class Forbidden(AppError):
    status = 403

    def __init__(self, message: str = "您没有权限进行此操作。") -> None:
        super().__init__("forbidden", message)
