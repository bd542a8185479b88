"""Why a model or an IDS file cannot be used: a stable code and its message in English with
%(name)s parameters. This package stays free of Django, so what is stored is the code and the
parameters, and the site shows the same text translated (bim.models.failure_message)."""

READ_ERRORS = {
    "unpacks_too_large": "The .ifc inside the ZIP unpacks to more than %(limit)s, the most a model may unpack to: "
    "it was not unpacked (is it really a model?).",
    "empty": "The file is empty.",
    "bad_zip": "The file looks like a ZIP archive but is damaged or truncated.",
    "zip_without_ifc": "The ZIP file has no .ifc file inside (an .ifczip must contain one).",
    "would_unpack_too_large": "The .ifc inside the ZIP would unpack to %(size)s, over the most a model may unpack to "
    "(%(limit)s): it was not unpacked (is it really a model?).",
    "zip_unreadable": "The .ifc inside the ZIP cannot be extracted (%(error)s).",
    "not_ifc": "This is not an IFC file: it does not start with the STEP header ISO-10303-21.",
    "no_schema": "The IFC header names no schema (FILE_SCHEMA is missing).",
    "schema_unreadable": "The IFC header's FILE_SCHEMA is unreadable.",
    "wrong_schema_entities": "The file's header says it is %(header)s, but it holds entities of %(other)s (%(shown)s): "
    "it was saved under the wrong schema name. Export it again, or correct FILE_SCHEMA in its header to %(other)s.",
    "wrong_schema_attributes": "The file's header says it is %(header)s, but %(miscounted)s of its %(count)s entities "
    "do not have the attributes %(header)s defines: it was probably saved under the wrong schema name. Export it "
    "again with the schema it was made in.",
    "schema_not_supported": "The file's schema %(schema)s is not supported: export it as IFC2X3, IFC4 or IFC4X3 (ADD2).",
    "truncated": "The file is truncated: it stops before END-ISO-10303-21 (was the upload interrupted?).",
    "schema_not_readable": "The file's schema is not supported by the IFC reader (%(error)s).",
    "syntax_error": "The IFC file cannot be parsed: line %(line)s is not a complete entity (%(text)s); the file may "
    "be damaged or cut short.",
    "unparsable": "The IFC file cannot be parsed: %(error)s.",
}


# failures found outside the IFC reader: checked by the site before reading, or the IDS reader
OTHER_FAILURES = {
    "too_large": "The file is %(size)s, over the limit of %(limit)s.",
    "unexpected": "The model could not be read (%(error)s).",
    "not_ids": "This is not a valid IDS file: %(error)s",
    "check_unexpected": "The check could not run (%(error)s).",
}
FAILURES = {**READ_ERRORS, **OTHER_FAILURES}


def failure_text(code: str, params: dict) -> str:
    """The failure's message in English."""
    return FAILURES[code] % params
