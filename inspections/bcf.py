"""BCF (BIM Collaboration Format) 2.1 and 3.0 files: plain topics in, a ZIP out, and back.

A topic is a dict: guid, title, status, priority, labels, description, creation_date,
creation_author, due_date, global_ids, comments [{guid, date, author, text}] and snapshots
[{name, data}]. Only the standard library is used; the XML follows the buildingSMART schemas'
element order, which strict readers check.
"""

import io
import uuid
import zipfile
import zlib
from xml.etree import ElementTree as ET

VERSIONS = ("2.1", "3.0")


class BcfError(Exception):
    """The file is not a BCF file we can read; the message says which part is wrong."""


def _text(parent, tag, value):
    if value not in (None, ""):
        ET.SubElement(parent, tag).text = str(value)


def _xml(root) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _viewpoint(guid: str, global_ids: list[str]) -> bytes:
    root = ET.Element("VisualizationInfo", Guid=guid)
    components = ET.SubElement(root, "Components")
    selection = ET.SubElement(components, "Selection")
    for global_id in global_ids:
        ET.SubElement(selection, "Component", IfcGuid=global_id)
    ET.SubElement(components, "Visibility", DefaultVisibility="true")
    return _xml(root)


def write_bcf(topics: list[dict], *, version: str = "2.1", project_name: str = "", project_id: str = "") -> bytes:
    if version not in VERSIONS:
        raise BcfError(f"BCF version {version!r} is not supported: use 2.1 or 3.0.")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        root = ET.Element("Version", VersionId=version)
        if version == "2.1":
            _text(root, "DetailedVersion", "2.1")
        archive.writestr("bcf.version", _xml(root))
        if version == "2.1":
            extension = ET.Element("ProjectExtension")
            project = ET.SubElement(extension, "Project", ProjectId=project_id or str(uuid.uuid4()))
            _text(project, "Name", project_name)
            ET.SubElement(extension, "ExtensionSchema")
            archive.writestr("project.bcfp", _xml(extension))
        else:
            project = ET.Element("ProjectInfo")
            ET.SubElement(project, "Project", ProjectId=project_id or str(uuid.uuid4())).append(
                _named("Name", project_name)
            )
            archive.writestr("project.bcfp", _xml(project))
        for topic in topics:
            _write_topic(archive, topic, version)
    return out.getvalue()


def _named(tag, text):
    element = ET.Element(tag)
    element.text = text
    return element


def _write_topic(archive: zipfile.ZipFile, topic: dict, version: str) -> None:
    folder = topic["guid"]
    viewpoint_guid = str(uuid.uuid5(uuid.UUID(folder), "viewpoint"))
    snapshots = topic.get("snapshots", [])
    markup = ET.Element("Markup")
    element = ET.SubElement(markup, "Topic", Guid=folder, TopicType="Issue", TopicStatus=topic["status"])
    _text(element, "Title", topic["title"])
    _text(element, "Priority", topic.get("priority"))
    labels = topic.get("labels", [])
    if version == "2.1":
        for label in labels:
            _text(element, "Labels", label)
    elif labels:
        container = ET.SubElement(element, "Labels")
        for label in labels:
            _text(container, "Label", label)
    _text(element, "CreationDate", topic["creation_date"])
    _text(element, "CreationAuthor", topic["creation_author"])
    _text(element, "DueDate", topic.get("due_date"))
    _text(element, "Description", topic.get("description"))
    comments = topic.get("comments", [])
    comment_parent = markup if version == "2.1" or not comments else ET.SubElement(element, "Comments")
    for comment in comments:
        item = ET.SubElement(comment_parent, "Comment", Guid=comment["guid"])
        _text(item, "Date", comment["date"])
        _text(item, "Author", comment["author"])
        _text(item, "Comment", comment["text"])
    # one viewpoint per photo (each selecting the elements), so every photo is a snapshot other tools show
    views = [
        (f"snapshot{_extension(s['name'])}" if i == 0 else f"snapshot-{i + 1}{_extension(s['name'])}", s["data"])
        for i, s in enumerate(snapshots)
    ] or [("", None)]
    container = None if version == "2.1" else ET.SubElement(element, "Viewpoints")
    for index, (snapshot_name, data) in enumerate(views):
        guid = viewpoint_guid if index == 0 else str(uuid.uuid5(uuid.UUID(folder), f"viewpoint-{index + 1}"))
        file_name = "viewpoint.bcfv" if index == 0 else f"viewpoint-{index + 1}.bcfv"
        if container is None:
            entry = ET.SubElement(markup, "Viewpoints", Guid=guid)
        else:
            entry = ET.SubElement(container, "ViewPoint", Guid=guid)
        _text(entry, "Viewpoint", file_name)
        _text(entry, "Snapshot", snapshot_name)
        archive.writestr(f"{folder}/{file_name}", _viewpoint(guid, topic.get("global_ids", [])))
        if data is not None:
            archive.writestr(f"{folder}/{snapshot_name}", data)
    archive.writestr(f"{folder}/markup.bcf", _xml(markup))


def _extension(name: str) -> str:
    lower = name.lower()
    return ".jpg" if lower.endswith((".jpg", ".jpeg")) else ".png"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, name):
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element, name):
    return [c for c in element if _local(c.tag) == name]


def _value(element, name) -> str:
    child = _child(element, name) if element is not None else None
    return (child.text or "").strip() if child is not None and child.text else ""


def read_bcf(data: bytes, *, max_unpacked: int = 500 * 1024 * 1024) -> tuple[str, list[dict]]:
    """(version, topics) of a BCF 2.x or 3.0 file; BcfError names what is wrong."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BcfError("This is not a BCF file: a BCF file is a ZIP archive.") from None
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > max_unpacked:
            raise BcfError(f"The BCF file unpacks to {unpacked} bytes; the limit is {max_unpacked}.")
        names = set(archive.namelist())
        version = "2.1"
        if "bcf.version" in names:
            root = _parse(archive, "bcf.version")
            version = root.get("VersionId") or _value(root, "DetailedVersion") or "2.1"
        topics = []
        for name in sorted(n for n in names if n.endswith("/markup.bcf")):
            folder = name.rsplit("/", 1)[0]
            topics.append(_read_topic(archive, folder, _parse(archive, name), names))
        if not topics and not any(n.endswith(".bcf") for n in names):
            raise BcfError("The ZIP holds no BCF topics (no markup.bcf files).")
    return version, topics


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes, or a BcfError naming it: damaged (bad CRC, broken deflate stream),
    encrypted, or packed with a compression this reader lacks."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise BcfError(f"{name} cannot be read from the ZIP ({exc}).") from None
    except RuntimeError as exc:  # zipfile's word for an encrypted member
        raise BcfError(f"{name} cannot be read from the ZIP: it is encrypted ({exc}).") from None
    except NotImplementedError as exc:
        raise BcfError(f"{name} uses a compression this server cannot unpack ({exc}).") from None


def _parse(archive: zipfile.ZipFile, name: str):
    try:
        return ET.fromstring(_read(archive, name))
    except ET.ParseError as exc:
        raise BcfError(f"{name} is not well-formed XML ({exc}).") from None


def _read_topic(archive, folder: str, markup, names: set[str]) -> dict:
    topic = _child(markup, "Topic")
    if topic is None or not topic.get("Guid"):
        raise BcfError(f"{folder}/markup.bcf has no Topic with a Guid.")
    try:
        uuid.UUID(topic.get("Guid"))
    except ValueError:
        raise BcfError(f"{folder}/markup.bcf: the topic Guid {topic.get('Guid')!r} is not a UUID.") from None
    labels = [c.text.strip() for c in _children(topic, "Labels") if c.text and c.text.strip()]
    container = _child(topic, "Labels")
    if container is not None:
        labels += [c.text.strip() for c in _children(container, "Label") if c.text]
    comment_parent = _child(topic, "Comments") if _child(topic, "Comments") is not None else markup
    comments = [
        {
            "guid": c.get("Guid") or str(uuid.uuid4()),
            "date": _value(c, "Date"),
            "author": _value(c, "Author"),
            "text": _value(c, "Comment"),
        }
        for c in _children(comment_parent, "Comment")
    ]
    viewpoint_entries = _children(markup, "Viewpoints")
    listed = _child(topic, "Viewpoints")
    if listed is not None:
        viewpoint_entries += _children(listed, "ViewPoint")
    global_ids, snapshots = [], []
    for entry in viewpoint_entries:
        file_name = _value(entry, "Viewpoint")
        if file_name and f"{folder}/{file_name}" in names:
            info = _parse(archive, f"{folder}/{file_name}")
            components = _child(info, "Components")
            selection = _child(components, "Selection") if components is not None else None
            if selection is not None:
                global_ids += [c.get("IfcGuid") for c in _children(selection, "Component") if c.get("IfcGuid")]
        snapshot = _value(entry, "Snapshot")
        if snapshot and f"{folder}/{snapshot}" in names:
            snapshots.append({"name": snapshot, "data": _read(archive, f"{folder}/{snapshot}")})
    return {
        "guid": topic.get("Guid"),
        "title": _value(topic, "Title"),
        "status": topic.get("TopicStatus") or "Open",
        "priority": _value(topic, "Priority"),
        "labels": labels,
        "description": _value(topic, "Description"),
        "creation_date": _value(topic, "CreationDate"),
        "creation_author": _value(topic, "CreationAuthor"),
        "due_date": _value(topic, "DueDate"),
        "global_ids": list(dict.fromkeys(global_ids)),
        "comments": comments,
        "snapshots": snapshots,
    }
