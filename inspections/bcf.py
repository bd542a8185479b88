"""BCF (BIM Collaboration Format) 2.0, 2.1 and 3.0 packages: plain topics in, a ZIP out, and back.

The XML of every part goes through IfcOpenShell's `bcf` library (PyPI `bcf-client`): its
dataclasses are generated from buildingSMART's XSDs and its xsdata serializer writes their element
order, so what it writes is what the schemas say. Its file handlers (`bcf.bcfxml.load` and the
topic handlers) are not used, for measured reasons: reading the markup, comments and viewpoints of
buildingSMART's 91 official test files through them fails on 40 (29 of the 33 in BCF 2.0: the
2.0 comment's VerbalStatus and Topic, the flat Components list, DocumentReferences; 11 of the 39
in 2.1: an empty comment, a topic without CreationAuthor, a viewpoint without Guid); they open
paths only, never decode ZIP member names written without the UTF-8 flag, and set no size limit
on an upload. So the ZIP is ours, parts are parsed with the library's classes (strictly, then
leniently with every element left out listed), and 2.0 shapes are rewritten as 2.1 first.

A topic is a dict (see `read_bcf`); a viewpoint is a dict in the BCF-API 3.0 JSON form
(`perspective_camera`, `components.selection`, ...), so the file and the REST server share it.
"""

import dataclasses
import io
import re
import uuid
import zipfile
import zlib
from xml.etree import ElementTree as ET

from bcf.v2 import model as m2
from bcf.v2.model import visinfo as v2
from bcf.v3 import model as m3
from bcf.xml_parser import XmlParserSerializer
from xsdata.exceptions import ParserError
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig
from xsdata.models.datatype import XmlDateTime

VERSIONS = ("2.1", "3.0")
_XML = XmlParserSerializer()
_LENIENT = XmlParser(config=ParserConfig(fail_on_unknown_properties=False, fail_on_converter_warnings=False))
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# why a part of a file was not kept: a code, for the caller to say in the reader's language
DROP_REASONS = ("not_in_schema", "unreferenced_file", "missing_file")


class BcfError(Exception):
    """The file is not a BCF file we can read; the message says which part is wrong."""


@dataclasses.dataclass
class BcfPackage:
    """What a BCF file holds: its version, topics, project, extensions (3.0), and what was left out
    (`dropped`: topic, file, what, and a `reason` of DROP_REASONS)."""

    version: str
    topics: list[dict]
    project_name: str = ""
    project_id: str = ""
    extensions: dict = dataclasses.field(default_factory=dict)
    dropped: list[dict] = dataclasses.field(default_factory=list)


# --- writing ---------------------------------------------------------------------------------


def _xml(obj) -> bytes:
    return _XML.serialize(obj).encode("utf-8")


def _when(value: str | None) -> XmlDateTime | None:
    if not value:
        return None
    try:
        return XmlDateTime.from_string(value)
    except ValueError:
        return None


def write_bcf(
    topics: list[dict],
    *,
    version: str = "2.1",
    project_name: str = "",
    project_id: str = "",
    extensions: dict | None = None,
) -> bytes:
    """A .bcf ZIP of these topics. Each viewpoint needs a camera in 3.0 (the caller leaves out
    those without one); snapshots are written as given (the caller converts and downscales)."""
    if version not in VERSIONS:
        raise BcfError(f"BCF version {version!r} is not supported: use 2.1 or 3.0.")
    project_id = project_id or str(uuid.uuid4())
    if version == "3.0":
        topics = _lower_guids(topics)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if version == "2.1":
            archive.writestr("bcf.version", _xml(m2.Version(version_id="2.1", detailed_version="2.1")))
            archive.writestr(
                "project.bcfp",
                _xml(
                    m2.ProjectExtension(
                        project=m2.Project(name=project_name or None, project_id=project_id), extension_schema=""
                    )
                ),
            )
        else:
            archive.writestr("bcf.version", _xml(m3.Version(version_id="3.0")))
            archive.writestr(
                "project.bcfp",
                _xml(m3.ProjectInfo(project=m3.Project(name=project_name or "-", project_id=project_id))),
            )
            archive.writestr("extensions.xml", _xml(_extensions3(extensions or {})))
            documents = [d for t in topics for d in t.get("documents", [])]
            if documents:
                archive.writestr(
                    "documents.xml",
                    _xml(
                        m3.DocumentInfo(
                            documents=m3.DocumentInfoDocuments(
                                document=[
                                    m3.Document(
                                        guid=d["guid"], filename=d["filename"], description=d.get("description") or None
                                    )
                                    for d in documents
                                ]
                            )
                        )
                    ),
                )
                for document in documents:
                    archive.writestr(f"documents/{document['guid']}", document["data"])
        for topic in topics:
            if version == "2.1":
                _write_topic2(archive, topic)
            else:
                _write_topic3(archive, topic)
    return out.getvalue()


def _lower_guids(value, key=""):
    """The topics with every Guid in lower case, as the 3.0 schemas' Guid pattern requires."""
    if isinstance(value, dict):
        return {k: _lower_guids(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_guids(v, key) for v in value]
    if isinstance(value, str) and (key.endswith("guid") or key == "related_topics") and GUID.match(value):
        return value.lower()
    return value


def _extensions3(values: dict) -> m3.Extensions:
    def listed(key):
        return sorted({v for v in values.get(key, []) if v})

    return m3.Extensions(
        topic_types=m3.ExtensionsTopicTypes(topic_type=listed("topic_types")) if listed("topic_types") else None,
        topic_statuses=m3.ExtensionsTopicStatuses(topic_status=listed("topic_statuses"))
        if listed("topic_statuses")
        else None,
        priorities=m3.ExtensionsPriorities(priority=listed("priorities")) if listed("priorities") else None,
        topic_labels=m3.ExtensionsTopicLabels(topic_label=listed("topic_labels")) if listed("topic_labels") else None,
        users=m3.ExtensionsUsers(user=listed("users")) if listed("users") else None,
        stages=m3.ExtensionsStages(stage=listed("stages")) if listed("stages") else None,
    )


def _point(model, value: dict):
    return model(x=float(value["x"]), y=float(value["y"]), z=float(value["z"]))


def _components(model, items: list[dict]) -> list:
    return [
        model.Component(
            ifc_guid=c.get("ifc_guid") or None,
            originating_system=c.get("originating_system") or None,
            authoring_tool_id=c.get("authoring_tool_id") or None,
        )
        for c in items
        if c.get("ifc_guid") or c.get("authoring_tool_id")
    ]


def _cameras(model, viewpoint: dict, *, with_aspect: bool) -> dict:
    out = {}
    for key, cls, extra in (
        ("perspective_camera", model.PerspectiveCamera, "field_of_view"),
        ("orthogonal_camera", model.OrthogonalCamera, "view_to_world_scale"),
    ):
        camera = viewpoint.get(key)
        if not camera:
            continue
        fields = {
            "camera_view_point": _point(model.Point, camera["camera_view_point"]),
            "camera_direction": _point(model.Direction, camera["camera_direction"]),
            "camera_up_vector": _point(model.Direction, camera["camera_up_vector"]),
            extra: float(camera[extra]),
        }
        if key == "perspective_camera" and not with_aspect:
            # BCF 2.1 allows 45 to 60 degrees only; the stored camera keeps what its author had
            fields[extra] = min(max(fields[extra], 45.0), 60.0)
        if with_aspect:
            fields["aspect_ratio"] = float(camera.get("aspect_ratio") or 1.0)
        out[key] = cls(**fields)
        break  # the schemas allow one camera
    return out


def _geometry(model, viewpoint: dict) -> dict:
    lines = [
        model.Line(
            start_point=_point(model.Point, item["start_point"]), end_point=_point(model.Point, item["end_point"])
        )
        for item in viewpoint.get("lines") or []
    ]
    planes = [
        model.ClippingPlane(
            location=_point(model.Point, item["location"]), direction=_point(model.Direction, item["direction"])
        )
        for item in viewpoint.get("clipping_planes") or []
    ]
    return {
        "lines": model.VisualizationInfoLines(line=lines) if lines else None,
        "clipping_planes": model.VisualizationInfoClippingPlanes(clipping_plane=planes) if planes else None,
    }


def _bitmap_fields(model, item: dict) -> dict:
    return {
        "reference": item["reference"],
        "location": _point(model.Point, item["location"]),
        "normal": _point(model.Direction, item["normal"]),
        "up": _point(model.Direction, item["up"]),
        "height": float(item["height"]),
    }


def visinfo2(viewpoint: dict) -> v2.VisualizationInfo:
    components = viewpoint.get("components") or {}
    selection = _components(v2, components.get("selection") or [])
    visibility = components.get("visibility") or {}
    exceptions = _components(v2, visibility.get("exceptions") or [])
    hints = visibility.get("view_setup_hints")
    coloring = [
        v2.ComponentColoringColor(color=c["color"].upper(), component=_components(v2, c.get("components") or []))
        for c in components.get("coloring") or []
        if _components(v2, c.get("components") or [])
    ]
    return v2.VisualizationInfo(
        guid=viewpoint["guid"],
        components=None
        if not components
        else v2.Components(
            view_setup_hints=v2.ViewSetupHints(**hints) if hints else None,
            selection=v2.ComponentSelection(component=selection) if selection else None,
            visibility=v2.ComponentVisibility(
                default_visibility=bool(visibility.get("default_visibility", True)),
                exceptions=v2.ComponentVisibilityExceptions(component=exceptions) if exceptions else None,
            ),
            coloring=v2.ComponentColoring(color=coloring) if coloring else None,
        ),
        **_cameras(v2, viewpoint, with_aspect=False),
        **_geometry(v2, viewpoint),
        bitmap=[
            v2.VisualizationInfoBitmap(bitmap=v2.BitmapFormat(_bitmap_format(b)), **_bitmap_fields(v2, b))
            for b in viewpoint.get("bitmaps") or []
        ],
    )


def visinfo3(viewpoint: dict) -> m3.VisualizationInfo:
    components = viewpoint.get("components") or {}
    selection = _components(m3, components.get("selection") or [])
    visibility = components.get("visibility") or {}
    exceptions = _components(m3, visibility.get("exceptions") or [])
    hints = visibility.get("view_setup_hints")
    coloring = [
        m3.ComponentColoringColor(
            color=c["color"],
            components=m3.ComponentColoringColorComponents(component=_components(m3, c.get("components") or [])),
        )
        for c in components.get("coloring") or []
        if _components(m3, c.get("components") or [])
    ]
    bitmaps = [
        m3.Bitmap(format=m3.BitmapFormat(_bitmap_format(b).lower()), **_bitmap_fields(m3, b))
        for b in viewpoint.get("bitmaps") or []
    ]
    return m3.VisualizationInfo(
        guid=viewpoint["guid"],
        components=None
        if not components
        else m3.Components(
            selection=m3.ComponentSelection(component=selection) if selection else None,
            visibility=m3.ComponentVisibility(
                default_visibility=bool(visibility.get("default_visibility", True)),
                view_setup_hints=m3.ViewSetupHints(**hints) if hints else None,
                exceptions=m3.ComponentVisibilityExceptions(component=exceptions) if exceptions else None,
            ),
            coloring=m3.ComponentColoring(color=coloring) if coloring else None,
        ),
        **_cameras(m3, viewpoint, with_aspect=True),
        **_geometry(m3, viewpoint),
        bitmaps=m3.VisualizationInfoBitmaps(bitmap=bitmaps) if bitmaps else None,
    )


def _bitmap_format(bitmap: dict) -> str:
    return "JPG" if (bitmap.get("bitmap_type") or "").lower() in ("jpg", "jpeg") else "PNG"


def _viewpoint_files(topic: dict, version: str) -> list[tuple[dict, str, str]]:
    """(viewpoint, its .bcfv name, its snapshot name or ""): in 2.1 the first is viewpoint.bcfv
    with snapshot.png, as the 2.1 specification names the default view."""
    out = []
    for index, viewpoint in enumerate(topic.get("viewpoints", [])):
        snapshot = viewpoint.get("snapshot")
        extension = ".jpg" if snapshot and snapshot["name"].lower().endswith((".jpg", ".jpeg")) else ".png"
        if version == "2.1" and index == 0:
            out.append((viewpoint, "viewpoint.bcfv", "snapshot.png" if snapshot else ""))
        else:
            out.append((viewpoint, f"{viewpoint['guid']}.bcfv", f"{viewpoint['guid']}{extension}" if snapshot else ""))
    return out


def _write_viewpoint_files(archive, folder, topic, version) -> list[tuple[dict, str, str]]:
    files = _viewpoint_files(topic, version)
    for viewpoint, file_name, snapshot_name in files:
        archive.writestr(
            f"{folder}/{file_name}", _xml(visinfo2(viewpoint) if version == "2.1" else visinfo3(viewpoint))
        )
        if snapshot_name:
            archive.writestr(f"{folder}/{snapshot_name}", viewpoint["snapshot"]["data"])
        for bitmap in viewpoint.get("bitmaps") or []:
            if bitmap.get("data") is not None:
                archive.writestr(f"{folder}/{bitmap['reference']}", bitmap["data"])
    return files


def _header_files(model, topic):
    return [
        model(
            filename=f.get("filename") or None,
            date=_when(f.get("date")),
            reference=f.get("reference") or None,
            ifc_project=f.get("ifc_project") or None,
            ifc_spatial_structure_element=f.get("ifc_spatial_structure_element") or None,
            is_external=bool(f.get("is_external", True)),
        )
        for f in topic.get("header_files", [])
    ]


def _write_topic2(archive: zipfile.ZipFile, topic: dict) -> None:
    folder = topic["guid"]
    files = _write_viewpoint_files(archive, folder, topic, "2.1")
    snippet = topic.get("bim_snippet")
    header = _header_files(m2.HeaderFile, topic)
    references = []
    for reference in topic.get("document_references", []):
        if reference.get("url"):
            references.append(
                m2.TopicDocumentReference(
                    guid=reference["guid"],
                    referenced_document=reference["url"],
                    is_external=True,
                    description=reference.get("description") or None,
                )
            )
        elif reference.get("document"):
            document = reference["document"]
            archive.writestr(f"{folder}/{document['filename']}", document["data"])
            references.append(
                m2.TopicDocumentReference(
                    guid=reference["guid"],
                    referenced_document=document["filename"],
                    is_external=False,
                    description=reference.get("description") or document.get("description") or None,
                )
            )
    if snippet and not snippet.get("is_external") and snippet.get("data") is not None:
        archive.writestr(f"{folder}/{snippet['reference']}", snippet["data"])
    markup = m2.Markup(
        header=m2.Header(file=header) if header else None,
        topic=m2.Topic(
            guid=folder,
            topic_type=topic.get("topic_type") or None,
            topic_status=topic.get("status") or None,
            reference_link=list(topic.get("reference_links", [])),
            title=topic["title"],
            priority=topic.get("priority") or None,
            index=topic.get("index"),
            labels=list(topic.get("labels", [])),
            creation_date=_when(topic["creation_date"]),
            creation_author=topic.get("creation_author") or "-",
            modified_date=_when(topic.get("modified_date")),
            modified_author=topic.get("modified_author") or None,
            due_date=_when(topic.get("due_date")),
            assigned_to=topic.get("assigned_to") or None,
            stage=topic.get("stage") or None,
            description=topic.get("description") or None,
            bim_snippet=m2.BimSnippet(
                snippet_type=snippet["snippet_type"],
                is_external=bool(snippet.get("is_external")),
                reference=snippet["reference"],
                reference_schema=snippet.get("reference_schema") or "",
            )
            if snippet
            else None,
            document_reference=references,
            related_topic=[m2.TopicRelatedTopic(guid=g) for g in topic.get("related_topics", [])],
        ),
        comment=[
            m2.Comment(
                guid=c["guid"],
                date=_when(c["date"]),
                author=c.get("author") or "-",
                comment=c.get("text") or "",
                viewpoint=m2.CommentViewpoint(guid=c["viewpoint_guid"]) if c.get("viewpoint_guid") else None,
                modified_date=_when(c.get("modified_date")),
                modified_author=c.get("modified_author") or None,
            )
            for c in topic.get("comments", [])
        ],
        viewpoints=[
            m2.ViewPoint(
                guid=viewpoint["guid"],
                viewpoint=file_name,
                snapshot=snapshot_name or None,
                index=viewpoint.get("index"),
            )
            for viewpoint, file_name, snapshot_name in files
        ],
    )
    archive.writestr(f"{folder}/markup.bcf", _xml(markup))


def _write_topic3(archive: zipfile.ZipFile, topic: dict) -> None:
    folder = topic["guid"]
    files = _write_viewpoint_files(archive, folder, topic, "3.0")
    snippet = topic.get("bim_snippet")
    if snippet and not snippet.get("is_external") and snippet.get("data") is not None:
        archive.writestr(f"{folder}/{snippet['reference']}", snippet["data"])
    header = _header_files(m3.File, topic)
    references = [
        m3.DocumentReference(
            guid=r["guid"],
            url=r.get("url") or None,
            document_guid=None if r.get("url") else r["document"]["guid"],
            description=r.get("description") or None,
        )
        for r in topic.get("document_references", [])
        if r.get("url") or r.get("document")
    ]
    comments = [
        m3.Comment(
            guid=c["guid"],
            date=_when(c["date"]),
            author=c.get("author") or "-",
            comment=c.get("text") or None,
            viewpoint=m3.CommentViewpoint(guid=c["viewpoint_guid"]) if c.get("viewpoint_guid") else None,
            modified_date=_when(c.get("modified_date")),
            modified_author=c.get("modified_author") or None,
        )
        for c in topic.get("comments", [])
    ]
    markup = m3.Markup(
        header=m3.Header(files=m3.HeaderFiles(file=header)) if header else None,
        topic=m3.Topic(
            guid=folder,
            server_assigned_id=topic.get("server_assigned_id") or None,
            topic_type=topic.get("topic_type") or "Issue",
            topic_status=topic.get("status") or "Open",
            reference_links=m3.TopicReferenceLinks(reference_link=list(topic["reference_links"]))
            if topic.get("reference_links")
            else None,
            title=topic["title"],
            priority=topic.get("priority") or None,
            index=topic.get("index"),
            labels=m3.TopicLabels(label=list(topic["labels"])) if topic.get("labels") else None,
            creation_date=_when(topic["creation_date"]),
            creation_author=topic.get("creation_author") or "-",
            modified_date=_when(topic.get("modified_date")),
            modified_author=topic.get("modified_author") or None,
            due_date=_when(topic.get("due_date")),
            assigned_to=topic.get("assigned_to") or None,
            stage=topic.get("stage") or None,
            description=topic.get("description") or None,
            bim_snippet=m3.BimSnippet(
                snippet_type=snippet["snippet_type"],
                is_external=bool(snippet.get("is_external")),
                reference=snippet["reference"],
                reference_schema=snippet.get("reference_schema") or "",
            )
            if snippet
            else None,
            document_references=m3.TopicDocumentReferences(document_reference=references) if references else None,
            related_topics=m3.TopicRelatedTopics(
                related_topic=[m3.TopicRelatedTopicsRelatedTopic(guid=g) for g in topic["related_topics"]]
            )
            if topic.get("related_topics")
            else None,
            comments=m3.TopicComments(comment=comments) if comments else None,
            viewpoints=m3.TopicViewpoints(
                view_point=[
                    m3.ViewPoint(guid=v["guid"], viewpoint=name, snapshot=snap or None, index=v.get("index"))
                    for v, name, snap in files
                ]
            )
            if files
            else None,
        ),
    )
    archive.writestr(f"{folder}/markup.bcf", _xml(markup))


# --- reading ---------------------------------------------------------------------------------


def _member_name(info: zipfile.ZipInfo) -> str:
    """A ZIP member's name: without the UTF-8 flag (bit 11) zipfile decodes it as cp437, which
    turns the UTF-8 or GBK names many tools write into mojibake; decode those bytes again."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


class _Zip:
    """A BCF ZIP's members by decoded name, read with the limits of an upload."""

    def __init__(self, data: bytes, max_unpacked: int):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise BcfError("This is not a BCF file: a BCF file is a ZIP archive.") from None
        infos = self.archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        if unpacked > max_unpacked:
            raise BcfError(f"The BCF file unpacks to {unpacked} bytes; the limit is {max_unpacked}.")
        self.members = {_member_name(info).replace("\\", "/"): info for info in infos if not info.is_dir()}

    def has(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str) -> bytes:
        try:
            return self.archive.read(self.members[name])
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise BcfError(f"{name} cannot be read from the ZIP ({exc}).") from None
        except RuntimeError as exc:  # zipfile's word for an encrypted member
            raise BcfError(f"{name} cannot be read from the ZIP: it is encrypted ({exc}).") from None
        except NotImplementedError as exc:
            raise BcfError(f"{name} uses a compression this server cannot unpack ({exc}).") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _tree(data: bytes, name: str):
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise BcfError(f"{name} is not well-formed XML ({exc}).") from None


def _paths(element, prefix="") -> set[str]:
    """Every element and attribute path under `element` that holds something."""
    here = f"{prefix}/{_local(element.tag)}"
    out = {f"{here}@{_local(a)}" for a in element.attrib if not a.startswith("{")}
    if (element.text or "").strip() or not len(element):
        out.add(here)
    for child in element:
        out |= _paths(child, here)
    return out


def _parse(data: bytes, cls, name: str, dropped: list[dict], topic: str | None = None):
    """`data` as the library's `cls`; parts of it the schema does not know (a 2.0 or vendor
    element) are parsed past and listed in `dropped`."""
    try:
        return _XML.parse(data, cls)
    except Exception:  # noqa: BLE001 - xsdata raises ParserError, ConverterError or ValueError
        pass
    tree = _tree(data, name)
    try:
        obj = _LENIENT.from_bytes(_with_required(tree, name), cls)
    except (ParserError, ValueError, TypeError) as exc:
        raise BcfError(f"{name} does not follow the BCF schema ({exc}).") from None
    kept = _paths(_tree(_xml(obj), name))
    for path in sorted(_paths(tree) - kept):
        dropped.append({"topic": topic, "file": name, "what": path, "reason": "not_in_schema"})
    return obj


PLACEHOLDER_DATE = "1970-01-01T00:00:00Z"
# what the schemas require that real files leave out (an empty comment, a topic without its
# author, a 2.0 viewpoint without a Guid): filled in blank so that the rest of the part is read
_REQUIRED = {"Topic": ("Title", "CreationDate", "CreationAuthor"), "Comment": ("Date", "Author", "Comment")}
_REQUIRED_GUID = ("VisualizationInfo", "Comment", "ViewPoint", "Viewpoints", "Topic", "RelatedTopic")


def _with_required(tree, name: str) -> bytes:
    """The part with what its schema requires filled in blank; a Guid made up for an element
    without one is the same on every import of the file (so a re-import changes nothing)."""
    for index, element in enumerate(tree.iter()):
        tag = _local(element.tag)
        if tag in _REQUIRED_GUID and len(element) and not element.get("Guid"):
            element.set("Guid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcf:{name}#{index}")))
        if tag == "Project" and not element.get("ProjectId"):
            element.set("ProjectId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcf:{name}#{index}")))
        for name in _REQUIRED.get(tag, ()):
            if not len(element):
                continue
            child = next((c for c in element if _local(c.tag) == name), None)
            if child is None:
                child = ET.SubElement(element, name)
            if not (child.text or "").strip():
                child.text = PLACEHOLDER_DATE if name in ("CreationDate", "Date") else " "
    return ET.tostring(tree, encoding="utf-8")


def _text(value) -> str:
    text = str(value) if value is not None else ""
    return "" if text in (PLACEHOLDER_DATE, "1970-01-01T00:00:00") else text


def _xyz(point) -> dict:
    return {"x": point.x, "y": point.y, "z": point.z}


def _component_list(items) -> list[dict]:
    return [
        {
            k: v
            for k, v in (
                ("ifc_guid", c.ifc_guid),
                ("originating_system", c.originating_system),
                ("authoring_tool_id", c.authoring_tool_id),
            )
            if v
        }
        for c in items
    ]


def viewpoint_dict(info, *, version: str) -> dict:
    """A parsed visinfo (2.1 or 3.0 model) in the BCF-API JSON form."""
    out: dict = {"guid": info.guid}
    for key in ("perspective_camera", "orthogonal_camera"):
        camera = getattr(info, key)
        if camera is None:
            continue
        value = {
            "camera_view_point": _xyz(camera.camera_view_point),
            "camera_direction": _xyz(camera.camera_direction),
            "camera_up_vector": _xyz(camera.camera_up_vector),
        }
        if key == "perspective_camera":
            value["field_of_view"] = camera.field_of_view
        else:
            value["view_to_world_scale"] = camera.view_to_world_scale
        if getattr(camera, "aspect_ratio", None):
            value["aspect_ratio"] = camera.aspect_ratio
        out[key] = value
    if info.lines and info.lines.line:
        out["lines"] = [{"start_point": _xyz(x.start_point), "end_point": _xyz(x.end_point)} for x in info.lines.line]
    if info.clipping_planes and info.clipping_planes.clipping_plane:
        out["clipping_planes"] = [
            {"location": _xyz(x.location), "direction": _xyz(x.direction)} for x in info.clipping_planes.clipping_plane
        ]
    bitmaps = info.bitmap if version != "3.0" else (info.bitmaps.bitmap if info.bitmaps else [])
    if bitmaps:
        out["bitmaps"] = [
            {
                "bitmap_type": (b.bitmap if version != "3.0" else b.format).value.lower(),
                "reference": b.reference,
                "location": _xyz(b.location),
                "normal": _xyz(b.normal),
                "up": _xyz(b.up),
                "height": b.height,
            }
            for b in bitmaps
        ]
    components = info.components
    if components is not None:
        value: dict = {}
        if components.selection and components.selection.component:
            value["selection"] = _component_list(components.selection.component)
        if components.coloring and components.coloring.color:
            value["coloring"] = [
                {
                    "color": c.color,
                    "components": _component_list(c.component if version != "3.0" else c.components.component),
                }
                for c in components.coloring.color
            ]
        visibility = components.visibility
        hints = (
            components.view_setup_hints if version != "3.0" else (visibility.view_setup_hints if visibility else None)
        )
        if visibility is not None or hints is not None:
            value["visibility"] = {"default_visibility": bool(visibility.default_visibility) if visibility else True}
            if visibility is not None and visibility.exceptions and visibility.exceptions.component:
                value["visibility"]["exceptions"] = _component_list(visibility.exceptions.component)
            if hints is not None:
                value["visibility"]["view_setup_hints"] = {
                    "spaces_visible": bool(hints.spaces_visible),
                    "space_boundaries_visible": bool(hints.space_boundaries_visible),
                    "openings_visible": bool(hints.openings_visible),
                }
        if value:
            out["components"] = value
    return out


def _visinfo_2_0_as_2_1(data: bytes, name: str) -> bytes:
    """A BCF 2.0 visinfo (a flat Components list with Selected/Visible/Color attributes) rewritten
    in the 2.1 shape, so that `<Component Selected="true">` counts as selected."""
    root = _tree(data, name)
    for bitmap in [c for c in root if _local(c.tag) == "Bitmaps" and c.find("Reference") is not None]:
        bitmap.tag = "Bitmap"  # 2.0 repeated <Bitmaps>, 2.1 repeats <Bitmap>
    components = next((c for c in root if _local(c.tag) == "Components"), None)
    if components is None or any(_local(c.tag) in ("Selection", "Visibility") for c in components):
        return ET.tostring(root, encoding="utf-8")
    flat = [c for c in components if _local(c.tag) == "Component"]
    for c in flat:
        components.remove(c)

    def copy(c):
        item = ET.Element("Component", {k: v for k, v in c.attrib.items() if k == "IfcGuid"})
        for child in c:
            if _local(child.tag) in ("OriginatingSystem", "AuthoringToolId"):
                ET.SubElement(item, _local(child.tag)).text = child.text
        return item

    selected = [c for c in flat if c.get("Selected", "").lower() == "true"]
    hidden = [c for c in flat if c.get("Visible", "true").lower() == "false"]
    if selected:
        selection = ET.SubElement(components, "Selection")
        selection.extend(copy(c) for c in selected)
    visibility = ET.SubElement(components, "Visibility", DefaultVisibility="true")
    if hidden:
        ET.SubElement(visibility, "Exceptions").extend(copy(c) for c in hidden)
    colors: dict[str, list] = {}
    for c in flat:
        if c.get("Color"):
            colors.setdefault(c.get("Color"), []).append(c)
    if colors:
        coloring = ET.SubElement(components, "Coloring")
        for color, items in colors.items():
            ET.SubElement(coloring, "Color", Color=color).extend(copy(c) for c in items)
    # the 2.1 order: ViewSetupHints, Selection, Visibility, Coloring
    order = {"ViewSetupHints": 0, "Selection": 1, "Visibility": 2, "Coloring": 3}
    children = sorted(components, key=lambda c: order.get(_local(c.tag), 9))
    for c in list(components):
        components.remove(c)
    components.extend(children)
    return ET.tostring(root, encoding="utf-8")


_RENAMED_2_0 = {"DocumentReferences": "DocumentReference", "RelatedTopics": "RelatedTopic"}
COMMENT_EXTRAS_2_0 = {"Status": "status", "VerbalStatus": "verbal_status", "ReplyToComment": "reply_to"}


def _markup_2_0_as_2_1(data: bytes, name: str) -> tuple[bytes, dict[str, dict]]:
    """A BCF 2.0 markup in the 2.1 shape (DocumentReferences and RelatedTopics were renamed in
    2.1), and what 2.0 comments carry that 2.1 has no place for (Status, VerbalStatus,
    ReplyToComment), by comment Guid, so that nothing of it is lost."""
    root = _tree(data, name)
    extras: dict[str, dict] = {}
    for element in root.iter():
        tag = _local(element.tag)
        if tag in _RENAMED_2_0:
            element.tag = _RENAMED_2_0[tag]
    for comment in [c for c in root if _local(c.tag) == "Comment"]:
        kept = {}
        for child in list(comment):
            tag = _local(child.tag)
            if tag in COMMENT_EXTRAS_2_0:
                kept[COMMENT_EXTRAS_2_0[tag]] = (
                    child.get("Guid") if tag == "ReplyToComment" else (child.text or "").strip()
                )
                comment.remove(child)
            elif tag == "Topic":  # the topic the comment is in: this markup's own
                comment.remove(child)
        if kept and comment.get("Guid"):
            extras[comment.get("Guid")] = kept
    return ET.tostring(root, encoding="utf-8"), extras


def read_bcf(data: bytes, *, max_unpacked: int = 500 * 1024 * 1024) -> BcfPackage:
    """Everything a BCF 2.0, 2.1 or 3.0 file holds; BcfError names what is wrong. Topic dicts
    carry: guid, title, status, priority, labels, description, topic_type, stage, index,
    creation_date/author, modified_date/author, due_date, assigned_to, reference_links,
    related_topics, document_references, header_files, bim_snippet, comments, viewpoints,
    global_ids (the selected ones) and snapshots."""
    archive = _Zip(data, max_unpacked)
    dropped: list[dict] = []
    version = "2.1"
    if archive.has("bcf.version"):
        root = _tree(archive.read("bcf.version"), "bcf.version")
        version = root.get("VersionId") or next(
            ((c.text or "").strip() for c in root if _local(c.tag) == "DetailedVersion"), "2.1"
        )
    if version.startswith("2.0"):
        family = "2.0"
    elif version.startswith("2"):
        family = "2.1"
    elif version.startswith("3"):
        family = "3.0"
    else:
        raise BcfError(f"BCF version {version!r} is not supported: this server reads 2.0, 2.1 and 3.0.")
    package = BcfPackage(version=family, topics=[], dropped=dropped)
    _read_project(archive, package)
    documents = _read_documents(archive, package) if family == "3.0" else {}
    folders = sorted({n.rsplit("/", 1)[0] for n in archive.members if n.endswith("/markup.bcf")})
    for folder in folders:
        package.topics.append(_read_topic(archive, folder, family, documents, dropped))
    if not package.topics and not any(n.endswith(".bcf") for n in archive.members):
        raise BcfError("The ZIP holds no BCF topics (no markup.bcf files).")
    used = {f"{folder}/markup.bcf" for folder in folders} | {
        "bcf.version",
        "project.bcfp",
        "extensions.xml",
        "documents.xml",
    }
    used |= {n for t in package.topics for n in t.pop("_members")}
    used |= {f"documents/{g}" for g in documents}
    for name in sorted(set(archive.members) - used):
        if name.lower().endswith((".xsd",)):
            continue  # a 2.x extension schema: its values are the topics' own
        dropped.append({"topic": None, "file": name, "what": name, "reason": "unreferenced_file"})
    return package


def _read_project(archive: _Zip, package: BcfPackage) -> None:
    if archive.has("project.bcfp"):
        cls = m3.ProjectInfo if package.version == "3.0" else m2.ProjectExtension
        project = _parse(archive.read("project.bcfp"), cls, "project.bcfp", package.dropped).project
        if project is not None:
            package.project_name, package.project_id = project.name or "", project.project_id or ""
    if package.version == "3.0" and archive.has("extensions.xml"):
        ext = _parse(archive.read("extensions.xml"), m3.Extensions, "extensions.xml", package.dropped)
        package.extensions = {
            "topic_types": ext.topic_types.topic_type if ext.topic_types else [],
            "topic_statuses": ext.topic_statuses.topic_status if ext.topic_statuses else [],
            "priorities": ext.priorities.priority if ext.priorities else [],
            "topic_labels": ext.topic_labels.topic_label if ext.topic_labels else [],
            "users": ext.users.user if ext.users else [],
            "stages": ext.stages.stage if ext.stages else [],
        }


def _read_documents(archive: _Zip, package: BcfPackage) -> dict[str, dict]:
    if not archive.has("documents.xml"):
        return {}
    info = _parse(archive.read("documents.xml"), m3.DocumentInfo, "documents.xml", package.dropped)
    out = {}
    for document in info.documents.document if info.documents else []:
        name = f"documents/{document.guid}"
        if not archive.has(name):
            package.dropped.append(
                {
                    "topic": None,
                    "file": name,
                    "what": document.filename,
                    "reason": "missing_file",
                }
            )
            continue
        out[document.guid] = {
            "guid": document.guid,
            "filename": document.filename,
            "description": document.description or "",
            "data": archive.read(name),
        }
    return out


def _resolve(folder: str, reference: str) -> str:
    parts = folder.split("/") if folder else []
    for part in reference.replace("\\", "/").split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _find(archive: _Zip, folder: str, reference: str) -> str:
    """A reference inside the ZIP: relative to the topic folder as the schemas say, or to the
    root as some tools write it; "" if it is in neither."""
    for path in (_resolve(folder, reference), _resolve("", reference)):
        if archive.has(path):
            return path
    return ""


def _read_topic(archive: _Zip, folder: str, family: str, documents: dict, dropped: list[dict]) -> dict:
    name = f"{folder}/markup.bcf"
    raw = archive.read(name)
    root = _tree(raw, name)
    topic_element = next((c for c in root if _local(c.tag) == "Topic"), None)
    if topic_element is None or not topic_element.get("Guid"):
        raise BcfError(f"{name} has no Topic with a Guid.")
    try:
        uuid.UUID(topic_element.get("Guid"))
    except ValueError:
        raise BcfError(f"{name}: the topic Guid {topic_element.get('Guid')!r} is not a UUID.") from None
    extras = {}
    if family != "3.0":
        raw, extras = _markup_2_0_as_2_1(raw, name)
    markup = _parse(raw, m3.Markup if family == "3.0" else m2.Markup, name, dropped, topic_element.get("Guid"))
    t = markup.topic
    guid = t.guid
    members = [name]
    v3 = family == "3.0"
    labels = (t.labels.label if t.labels else []) if v3 else t.labels
    comments = (t.comments.comment if t.comments else []) if v3 else markup.comment
    entries = (t.viewpoints.view_point if t.viewpoints else []) if v3 else markup.viewpoints
    topic = {
        "guid": guid,
        "title": (t.title or "").strip(),
        "status": t.topic_status or "Open",
        "topic_type": t.topic_type or "",
        "priority": t.priority or "",
        "index": t.index,
        "labels": [label.strip() for label in labels if label and label.strip()],
        "description": t.description or "",
        "creation_date": _text(t.creation_date),
        "creation_author": (t.creation_author or "").strip(),
        "modified_date": _text(t.modified_date),
        "modified_author": t.modified_author or "",
        "due_date": _text(t.due_date),
        "assigned_to": t.assigned_to or "",
        "stage": t.stage or "",
        "server_assigned_id": getattr(t, "server_assigned_id", None) or "",
        "reference_links": list(
            (t.reference_links.reference_link if t.reference_links else []) if v3 else t.reference_link
        ),
        "related_topics": [
            r.guid for r in ((t.related_topics.related_topic if t.related_topics else []) if v3 else t.related_topic)
        ],
        "header_files": [],
        "document_references": [],
        "comments": [
            {
                "guid": c.guid,
                "date": _text(c.date),
                "author": (c.author or "").strip(),
                "text": (c.comment or "").strip(),
                "viewpoint_guid": c.viewpoint.guid if c.viewpoint else "",
                "modified_date": _text(c.modified_date),
                "modified_author": c.modified_author or "",
                **extras.get(c.guid, {}),
            }
            for c in comments
        ],
        "viewpoints": [],
        "snapshots": [],
        "documents": [],
    }
    header_files = (
        (markup.header.files.file if markup.header.files else [])
        if v3 and markup.header
        else (markup.header.file if markup.header else [])
    )
    for f in header_files:
        topic["header_files"].append(
            {
                "filename": f.filename or "",
                "date": _text(f.date),
                "reference": f.reference or "",
                "ifc_project": f.ifc_project or "",
                "ifc_spatial_structure_element": f.ifc_spatial_structure_element or "",
                "is_external": bool(f.is_external),
            }
        )
        if f.reference and not f.is_external:
            path = _find(archive, folder, f.reference)
            if path:
                members.append(path)
                topic["header_files"][-1]["data"] = archive.read(path)
    _read_document_references(archive, folder, t, v3, documents, topic, members, dropped)
    snippet = t.bim_snippet
    if snippet is not None:
        topic["bim_snippet"] = {
            "snippet_type": snippet.snippet_type,
            "is_external": bool(snippet.is_external),
            "reference": snippet.reference,
            "reference_schema": snippet.reference_schema or "",
        }
        path = _resolve(folder, snippet.reference)
        if not snippet.is_external and archive.has(path):
            topic["bim_snippet"]["data"] = archive.read(path)
            members.append(path)
    global_ids = []
    for index, entry in enumerate(entries):
        file_name = entry.viewpoint or ""
        path = f"{folder}/{file_name}"
        if not file_name or not archive.has(path):
            if entry.snapshot and archive.has(f"{folder}/{entry.snapshot}"):
                members.append(f"{folder}/{entry.snapshot}")
                topic["snapshots"].append({"name": entry.snapshot, "data": archive.read(f"{folder}/{entry.snapshot}")})
                topic["viewpoints"].append(
                    {"guid": entry.guid, "snapshot": topic["snapshots"][-1], "index": entry.index}
                )
            elif file_name:
                dropped.append(
                    {
                        "topic": guid,
                        "file": path,
                        "what": file_name,
                        "reason": "missing_file",
                    }
                )
            continue
        members.append(path)
        data = archive.read(path)
        if family != "3.0":  # some files labelled 2.1 still write the 2.0 shape
            data = _visinfo_2_0_as_2_1(data, path)
        info = _parse(data, m3.VisualizationInfo if v3 else v2.VisualizationInfo, path, dropped, guid)
        viewpoint = viewpoint_dict(info, version="3.0" if v3 else "2.1")
        viewpoint["guid"] = entry.guid or viewpoint["guid"]
        viewpoint["index"] = entry.index if entry.index is not None else index
        for bitmap in viewpoint.get("bitmaps", []):
            bitmap_path = _find(archive, folder, bitmap["reference"])
            if bitmap_path:
                bitmap["data"] = archive.read(bitmap_path)
                members.append(bitmap_path)
        if entry.snapshot:
            snapshot_path = f"{folder}/{entry.snapshot}"
            if archive.has(snapshot_path):
                members.append(snapshot_path)
                viewpoint["snapshot"] = {"name": entry.snapshot, "data": archive.read(snapshot_path)}
                topic["snapshots"].append(viewpoint["snapshot"])
            else:
                dropped.append(
                    {
                        "topic": guid,
                        "file": snapshot_path,
                        "what": entry.snapshot,
                        "reason": "missing_file",
                    }
                )
        global_ids += [c["ifc_guid"] for c in viewpoint.get("components", {}).get("selection", []) if c.get("ifc_guid")]
        topic["viewpoints"].append(viewpoint)
    topic["global_ids"] = list(dict.fromkeys(global_ids))
    topic["_members"] = members
    return topic


def _read_document_references(archive, folder, t, v3, documents, topic, members, dropped) -> None:
    references = (
        (t.document_references.document_reference if t.document_references else []) if v3 else t.document_reference
    )
    for reference in references:
        guid = reference.guid or str(
            uuid.uuid5(uuid.UUID(topic["guid"]), f"document-{len(topic['document_references'])}")
        )
        item = {"guid": guid, "description": reference.description or ""}
        if v3:
            if reference.url:
                item["url"] = reference.url
            elif reference.document_guid in documents:
                item["document"] = documents[reference.document_guid]
            else:
                dropped.append(
                    {
                        "topic": topic["guid"],
                        "file": "documents.xml",
                        "what": reference.document_guid or "",
                        "reason": "missing_file",
                    }
                )
                continue
        elif reference.is_external or re.match(r"^[a-z][a-z0-9+.-]*://", reference.referenced_document or "", re.I):
            item["url"] = reference.referenced_document or ""
        else:
            path = _find(archive, folder, reference.referenced_document or "")
            if not path:
                dropped.append(
                    {
                        "topic": topic["guid"],
                        "file": path,
                        "what": reference.referenced_document or "",
                        "reason": "missing_file",
                    }
                )
                continue
            members.append(path)
            item["document"] = {
                "guid": str(uuid.uuid5(uuid.UUID(topic["guid"]), f"document-{path}")),
                "filename": path.rsplit("/", 1)[-1],
                "description": reference.description or "",
                "data": archive.read(path),
            }
        topic["document_references"].append(item)
