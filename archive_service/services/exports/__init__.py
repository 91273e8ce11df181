"""Exports of the bound collection as jobs: the PDF with a divider per item and a closing
register, the 学时登记表 XLSX of the same scope, a ZIP of the originals with its manifest, and a
frozen register snapshot whose checksum is recorded.  Every file is kept in the object store
and listed with who asked, when, the scope and the size."""

from .build import run_export
from .page import ExportsPage, exports_page
from .records import (
    ExportRequest,
    export_dict,
    export_file,
    list_exports,
    start_export,
    visible_export,
)

__all__ = ["ExportRequest", "ExportsPage", "export_dict", "export_file", "exports_page", "list_exports",
           "run_export",
           "start_export", "visible_export"]
