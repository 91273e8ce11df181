"""Result and error types of the extraction package, and the user-facing messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive_service.errors import AppError

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC_MIME = "application/msword"
PDF_MIME = "application/pdf"

ACCEPTED = "Word 文档（.docx、.doc）或 PDF 文件"

MESSAGES: dict[str, str] = {
    "empty_file": "文件是空的（0 字节），可能上传时出错或原文件已损坏。请检查原文件后重新上传。",
    "lock_file": (
        "这是 Word 打开文档时生成的临时锁定文件（~$ 开头），不是文档本身。"
        "请上传同一文件夹中不带 ~$ 的原文件。"
    ),
    "unsupported_type": (
        f"无法识别的文件类型：只接受{ACCEPTED}（按文件内容判断，与扩展名无关）。"
        "请用 Word 或 WPS 另存为 .docx 或 PDF 后重新上传。"
    ),
    "encrypted": (
        "文件设置了打开密码，系统无法读取。请在 Word/WPS 或 PDF 软件中输入密码打开，"
        "另存为不加密的文件后重新上传。"
    ),
    "corrupt": (
        "文件已损坏或格式不完整，无法读取。请用 Word/WPS 打开原文件并重新保存"
        "（或重新导出 PDF）后上传。"
    ),
    "zip_bomb": (
        "文件解压后体积异常（压缩比或条目数超出正常文档范围），为安全起见已拒绝。"
        "请用 Word/WPS 打开后另存为新的 .docx 再上传。"
    ),
    "pdf_bomb": (
        "PDF 文件中的压缩内容解压后异常庞大（远超正常文档），为安全起见已拒绝处理。"
        "请用 Word/WPS 或 PDF 软件重新导出（另存为）PDF 后再上传，或直接上传 Word 原文件。"
    ),
    "too_large": (
        "文档正文过大，超出系统可处理的范围。请拆分为几个较小的文档，或删除多余内容后重新上传。"
    ),
    "macro_document": (
        "这是含宏的 Word 文档（.docm/.dotm），为安全起见不予接收。"
        "请在 Word 中另存为普通的「Word 文档（*.docx）」后重新上传。"
    ),
    "no_text": (
        "未能从文件中读出文字：这可能是扫描件或图片转成的 PDF，且当前无法进行文字识别。"
        "请上传含文字的 PDF（由 Word/WPS 直接导出）或 Word 原文件。"
    ),
    "tool_unavailable": (
        "服务器暂时缺少读取此类文件的组件。请上传 Word（.docx）原文件，或稍后再试。"
    ),
    "timeout": (
        "文件处理超时：文件过大或结构过于复杂。请拆分为较小的文件，或上传 Word 原文件后重试。"
    ),
}

OCR_EMPTY = (
    "这是扫描件，文字识别（OCR）没有识别出文字。请上传含文字的 PDF"
    "（由 Word/WPS 直接导出）或 Word 原文件。"
)
NO_SOFFICE = "服务器暂时无法读取旧版 Word 文件（.doc）。请在 Word/WPS 中另存为 .docx 后重新上传。"
NO_PDF_TOOL = "服务器暂时无法读取 PDF 文件。请上传 Word（.docx）原文件，或稍后再试。"


class ExtractionError(AppError):
    """A file we cannot take: ``code`` for machines, ``message`` (Chinese) for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)

    @classmethod
    def of(cls, code: str, message: str | None = None) -> ExtractionError:
        """The error for ``code`` with its standard message unless one is given."""
        return cls(code, message or MESSAGES[code])


@dataclass(frozen=True)
class Extraction:
    """Text of one document in reading order, plus what the user should know about it."""

    text: str
    fmt: str
    mime: str
    pages: int | None
    from_ocr: bool
    warnings: tuple[str, ...] = ()
    # (part, length) stretches covering ``text`` in order (rules.charcount.Part names);
    # empty: all of the text is body (PDF, OCR).
    segments: tuple[tuple[str, int], ...] = ()
    # Counts the file recorded at its last save (docProps/app.xml): application, words,
    # characters, characters_with_spaces, subdocs_excluded (the file's own 字数 setting).
    recorded: dict[str, Any] | None = None
