"""The region dashboard as a spreadsheet: CSV (UTF-8 with a byte-order mark, so Excel reads the
Chinese) and XLSX (openpyxl), one row per project with its score and reasons."""

import csv
import io

from django.utils.translation import gettext as _


def _header() -> list[str]:
    return [_("project code"), _("project name"), _("region code"), _("stage"), _("score"), _("reasons")]


def _rows(rows) -> list[list]:
    return [
        [
            r.project.code,
            r.project.name,
            r.project.region_code,
            r.project.get_stage_display(),
            r.score,
            "; ".join(f"{reason.message} (-{reason.points})" for reason in r.reasons),
        ]
        for r in rows
    ]


def as_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header())
    writer.writerows(_rows(rows))
    return "\ufeff".encode() + out.getvalue().encode()


def as_xlsx(rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Region dashboard")[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(rows):
        sheet.append(row)
    for column, width in zip("ABCDEF", (16, 36, 10, 12, 8, 100), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
