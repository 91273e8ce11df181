"""How every ``archive`` command ends on an error: one Chinese line on stderr and a non-zero exit.

The line says what is wrong and what to do. ``ARCHIVE_DEBUG=1`` prints the traceback too.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from storage import StorageError

from .errors import AppError

EXIT_ERROR = 1
EXIT_USAGE = 2


def _first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")


def describe(exc: BaseException) -> str:
    """One Chinese line for ``exc``: what is wrong and what to do."""
    if isinstance(exc, AppError):
        return _first_line(exc.message)
    if isinstance(exc, StorageError):
        return (f"对象存储出错：{_first_line(str(exc))}。"
                "请确认存储服务在运行（archive serve 会自动启动本地 SeaweedFS）后重试")
    if isinstance(exc, OperationalError):
        return (f"数据库无法使用（{_first_line(str(exc.orig))}）。"
                "请检查 ARCHIVE_DATABASE_URL 和数据库是否在运行，稍后重试")
    if isinstance(exc, SQLAlchemyError):
        return f"数据库出错（{type(exc).__name__}：{_first_line(str(exc))}）。请运行 archive check 检查后重试"
    if isinstance(exc, PermissionError):
        return f"没有权限访问 {exc.filename or '文件'}。请用运行服务的账号执行该命令"
    if isinstance(exc, FileNotFoundError):
        return f"找不到文件 {exc.filename}。请检查路径"
    if isinstance(exc, OSError):
        return f"系统错误：{exc.strerror or exc}（{exc.filename or ''}）。请检查磁盘空间和权限后重试"
    return (f"意外错误（{type(exc).__name__}：{_first_line(str(exc))}）。"
            "请设置 ARCHIVE_DEBUG=1 重试查看详情，并联系管理员")


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


class ArchiveGroup(click.Group):
    """A click group whose commands end every failure with one Chinese line."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            fail("已取消。")
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "archive"
            fail(f"命令用法不对（{exc.format_message()}）。请运行 {command} --help 查看用法", EXIT_USAGE)
        except click.ClickException as exc:
            fail(_first_line(exc.format_message()), exc.exit_code or EXIT_ERROR)
        except KeyboardInterrupt:
            fail("已中断。", 130)
        except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into a line
            if os.environ.get("ARCHIVE_DEBUG"):
                traceback.print_exc()
            fail(describe(exc))
        sys.exit(result if isinstance(result, int) else 0)
