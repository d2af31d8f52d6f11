"""CSV downloads of the workbench's reports."""

from __future__ import annotations

import csv

from django.http import HttpResponse


def csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    """A UTF-8 CSV attachment (with a byte-order mark, so that spreadsheet programs read the Chinese) and
    its writer."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    return response, csv.writer(response)


def safe_cell(cell) -> str:
    """A cell that starts like a formula is not run as one by a spreadsheet (CSV injection)."""
    cell = "" if cell is None else str(cell)
    return f"'{cell}" if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell
