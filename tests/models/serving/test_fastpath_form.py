"""The predict fast path's multipart reader: whatever it reads, Django's parser reads the same
way; whatever it is unsure of, it leaves to Django (None)."""

from io import BytesIO

from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.models.serving.api.fastpath import plain_form

BOUNDARY = "b0undaryXYZ"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def mostly(usual: list[str], unusual: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Usual values nine times in ten, so many bodies are ones the fast path reads."""
    return st.integers(0, 9).flatmap(lambda i: st.sampled_from(usual) if i else unusual)


names = mostly(["image", "images", "top_k", "threshold", "task", "ümlaut", "a b"],
               st.text(min_size=0, max_size=12))  # fmt: skip
file_names = mostly(
    ["red.jpg", "a.png", "photo (1).jpeg", "x+y-z.webp", "ok"],
    st.one_of(st.sampled_from(["../etc/passwd", "C:\\x.jpg", "a&amp;b.jpg", "", " pad.jpg", "."]),
              st.text(min_size=0, max_size=12)),
)  # fmt: skip
dispositions = mostly(["Content-Disposition"], st.just("content-disposition"))
extra_headers = mostly(["Content-Type"], st.sampled_from(["X-Extra", "content-type"]))


@st.composite
def parts(draw: st.DrawFn) -> bytes:
    name = draw(names).replace('"', "")
    file_name = draw(st.one_of(st.none(), file_names))
    disposition = f'form-data; name="{name}"'
    if file_name is not None:
        disposition += f'; filename="{file_name.replace(chr(34), "")}"'
    lines = [f"{draw(dispositions)}: {disposition}"]
    for header in draw(st.lists(extra_headers, max_size=1)):
        lines.append(f"{header}: image/jpeg")
    content = draw(st.one_of(st.binary(max_size=64), st.text(max_size=20).map(str.encode)))
    head = "\r\n".join(lines).encode("utf-8")
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n\r\n" + content + b"\r\n"


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    body = b"".join(draw(st.lists(parts(), min_size=0, max_size=5)))
    body += b"--" + BOUNDARY.encode() + b"--" + draw(mostly([b"", b"\r\n"], st.just(b"junk")))
    if draw(st.integers(0, 5)) == 0:  # bare LFs where CRLFs belong
        body = body.replace(b"\r\n", b"\n", draw(st.integers(1, 4)))
    if draw(st.integers(0, 3)) == 0:  # damage it somewhere
        cut = draw(st.integers(0, len(body)))
        body = body[:cut] + draw(st.binary(max_size=4)) + body[cut + 1 :]
    return body


def django_reads(body: bytes) -> tuple[dict, dict] | None:
    meta = {"CONTENT_TYPE": CONTENT_TYPE, "CONTENT_LENGTH": str(len(body))}
    try:
        fields, files = MultiPartParser(meta, BytesIO(body), [MemoryFileUploadHandler()]).parse()
    except Exception:  # Django refuses it: the fast path must not read it
        return None
    return dict(fields.lists()), {k: [(f.name, f.read()) for f in v] for k, v in files.lists()}


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(bodies())
def test_what_it_reads_django_reads_the_same(body: bytes) -> None:
    mine = plain_form(CONTENT_TYPE, body)
    if mine is None:
        return
    fields, files = mine
    read = (dict(fields.lists()), {k: [(f.name, f.read()) for f in v] for k, v in files.lists()})
    assert read == django_reads(body)


def test_it_reads_what_clients_send() -> None:
    """requests/urllib3 and http.client-style bodies are read here, not left to Django."""
    from urllib3 import encode_multipart_formdata

    body, content_type = encode_multipart_formdata(
        [
            ("image", ("red.jpg", b"\xff\xd8jpeg", "image/jpeg")),
            ("top_k", "2"),
            ("images", ("b.png", b"\x89PNG", "image/png")),
        ]
    )
    fields, files = plain_form(content_type, body)
    assert fields.dict() == {"top_k": "2"}
    assert [(f.name, f.read()) for f in files.getlist("image")] == [("red.jpg", b"\xff\xd8jpeg")]
    assert [f.name for f in files.getlist("images")] == ["b.png"]
    for unsure in (
        body.replace(b"Content-Disposition", b"content-disposition"),
        body.replace(b'filename="red.jpg"', b'filename="../red.jpg"'),
        body[:-10],
    ):
        assert plain_form(content_type, unsure) is None
    assert plain_form("multipart/form-data", body) is None  # no boundary
