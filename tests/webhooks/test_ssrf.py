"""Webhooks are no way into the private network: loopback, private, link-local, metadata and
other non-public addresses are refused (at create/update for a literal address, on sending for
any, by the address the connection itself uses) unless LABELFORGE_WEBHOOK_ALLOWED_NETWORKS
allows them; refusals are in the delivery log and not retried; redirects are not followed."""

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured

from apps.webhooks import transport
from apps.webhooks.models import Delivery, Webhook
from apps.webhooks.services import webhook_deliver, webhook_ping

REAL_GETADDRINFO = socket.getaddrinfo


class Receiver:
    """Records every POST (path and headers); answers 200, or a redirect to `redirect_to`."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict] = []
        self.redirect_to = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers)})
                self.send_response(302 if receiver.redirect_to else 200)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def fake_dns(monkeypatch) -> dict[str, list[list[str]]]:
    """Names under .test answer with the next list of addresses queued for them (the last
    list again once the queue is down to one); every other name resolves as usual."""
    answers: dict[str, list[list[str]]] = {}

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not str(host).endswith(".test"):
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        queue = answers[host]
        ips = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port)) for ip in ips]  # fmt: skip

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def hook(world, url: str) -> Webhook:
    """A webhook stored as is (as if its URL had passed validation before the rules)."""
    return Webhook.objects.create(project=world.project, url=url, events=["image.done"],
                                  secret="s" * 64)  # fmt: skip


def deliver(webhook: Webhook) -> Delivery:
    delivery = webhook_ping(webhook=webhook)
    webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
        ("fc00::1", "private"), ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"), ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("100.64.0.1", "not a public"),
        ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "cloud metadata"),
        ("2002:7f00:1::", "loopback"), ("64:ff9b::a00:1", "private"),
        ("240.0.0.1", "reserved"), ("8.8.8.8", None), ("2606:4700:4700::1111", None),
    ],
)  # fmt: skip
def test_forbidden_kinds(ip, kind) -> None:
    found = transport.forbidden_kind(ipaddress.ip_address(ip))
    assert (found is None) if kind is None else (found is not None and kind in found), found


def test_the_allow_list_permits_its_networks_only(settings) -> None:
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "10.20.0.0/16"]
    allowed = ("127.0.0.1", "10.20.3.4", "::ffff:127.0.0.1")
    assert all(transport.forbidden_kind(ipaddress.ip_address(ip)) is None for ip in allowed)
    for ip in ("10.21.0.1", "::1", "169.254.169.254", "192.168.0.1"):
        assert transport.forbidden_kind(ipaddress.ip_address(ip)) is not None, ip


def test_a_bad_allow_list_is_a_configuration_error(settings) -> None:
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="LABELFORGE_WEBHOOK_ALLOWED_NETWORKS"):
        transport.allowed_networks()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is a loopback address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://localhost:9000/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://api.localhost/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata address"),
        ("https://10.0.0.8/hook", "10.0.0.8 is a private address"),
        ("http://0.0.0.0:8000/", "unspecified"),
    ],
)
def test_create_refuses_a_forbidden_literal_address(world, url, message) -> None:
    response = world.client("manager").post(f"/api/v1/projects/{world.project.pk}/webhooks/",
                                            {"url": url, "events": ["image.done"]}, format="json")  # fmt: skip
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "forbidden_address" and message in body["detail"], body
    assert "LABELFORGE_WEBHOOK_ALLOWED_NETWORKS" in body["detail"]
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f.1/", "http://127.1:80/", "http://LocalHost./"]
)
def test_other_spellings_of_loopback_are_refused(url) -> None:
    """Forms the resolver reads as 127.0.0.1 (the API's URL check refuses most of them
    anyway; the service does not rely on that)."""
    with pytest.raises(transport.AddressRefused, match=r"127\.0\.0\.1(, a| is a) loopback address"):
        transport.check_url_host(url)


@pytest.mark.django_db
def test_update_refuses_a_forbidden_address_and_the_allow_list_admits_it(world, settings) -> None:
    created = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/webhooks/",
        {"url": "https://hooks.example.com/x", "events": ["image.done"]}, format="json",
    ).json()  # fmt: skip
    path = f"/api/v1/webhooks/{created['id']}/"
    refused = world.client("manager").patch(path, {"url": "http://192.168.0.10/"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "forbidden_address"
    assert Webhook.objects.get().url == "https://hooks.example.com/x"
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["192.168.0.0/24"]
    allowed = world.client("manager").patch(path, {"url": "http://192.168.0.10/"}, format="json")
    assert allowed.status_code == 200 and allowed.json()["url"] == "http://192.168.0.10/"


@pytest.mark.django_db
def test_a_name_that_resolves_to_loopback_is_refused_on_sending(world, receiver) -> None:
    delivery = deliver(hook(world, f"http://localhost:{receiver.port}/hook"))
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, None)
    assert delivery.error.startswith("Refused: localhost resolves to ")
    assert "a loopback address" in delivery.error and delivery.next_attempt_at is None


@pytest.mark.django_db
def test_the_same_receiver_is_reached_once_loopback_is_allowed(world, receiver, settings) -> None:
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    delivery = deliver(hook(world, f"http://localhost:{receiver.port}/hook?x=1"))
    assert (delivery.status, delivery.response_status, delivery.error) == ("succeeded", 200, "")
    assert receiver.requests[0]["path"] == "/hook?x=1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["127.0.0.1"], "hooks.test resolves to 127.0.0.1, a loopback address"),
        (["10.9.8.7"], "hooks.test resolves to 10.9.8.7, a private address"),
        (["169.254.169.254"], "cloud metadata address"),
        (["fd00:ec2::254"], "cloud metadata address"),
        (["93.184.215.14", "127.0.0.1"], "127.0.0.1, a loopback address"),  # any bad one
    ],
)
def test_names_are_checked_by_what_they_resolve_to(
    world, receiver, fake_dns, answer, message
) -> None:
    fake_dns["hooks.test"] = [answer]
    delivery = deliver(hook(world, f"http://hooks.test:{receiver.port}/hook"))
    assert delivery.status == "failed" and delivery.attempts == 1, delivery.error
    assert message in delivery.error and receiver.requests == []


@pytest.mark.django_db
def test_the_connection_uses_the_address_it_checked(world, receiver, fake_dns, settings) -> None:
    """One lookup, and the socket connects to the address that lookup gave and the check
    passed: a second answer (here a metadata address) is never asked for. Host is the URL's."""
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    fake_dns["hooks.test"] = [["127.0.0.1"], ["169.254.169.254"]]
    delivery = deliver(hook(world, f"http://hooks.test:{receiver.port}/hook"))
    assert delivery.status == "succeeded", delivery.error
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.test:{receiver.port}"
    assert fake_dns["hooks.test"] == [["169.254.169.254"]]  # the first answer, used once


@pytest.mark.django_db
def test_redirects_are_not_followed(world, receiver, settings) -> None:
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    inner = Receiver()
    try:
        receiver.redirect_to = f"http://127.0.0.1:{inner.port}/admin"
        delivery = deliver(hook(world, f"http://127.0.0.1:{receiver.port}/hook"))
        assert delivery.response_status == 302 and delivery.status == "retrying"
        assert "redirects are not followed" in delivery.error
        assert receiver.redirect_to in delivery.error
        assert len(receiver.requests) == 1 and inner.requests == []
    finally:
        inner.server.shutdown()


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@pytest.mark.parametrize("served_name", ["hooks.test", "other.test"])
def test_https_sends_sni_and_verifies_the_urls_host(
    tmp_path, fake_dns, settings, monkeypatch, served_name
) -> None:
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    cert, key = _certificate(tmp_path, served_name)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_tls.sni_callback = lambda _sock, name, _ctx: sni.append(name)
    monkeypatch.setattr(transport, "tls_context", lambda: ssl.create_default_context(cafile=cert))
    fake_dns["hooks.test"] = [["127.0.0.1"]]
    receiver = Receiver(tls=server_tls)
    try:
        url = f"https://hooks.test:{receiver.port}/tls"
        if served_name != "hooks.test":
            with pytest.raises(transport.SendFailed, match="CERTIFICATE_VERIFY_FAILED"):
                transport.post(url, b"{}", {"Content-Type": "application/json"}, timeout=5)
            assert receiver.requests == []
        else:
            reply = transport.post(url, b"{}", {"Content-Type": "application/json"}, timeout=5)
            assert reply.status == 200 and receiver.requests[0]["path"] == "/tls"
            assert receiver.requests[0]["headers"]["Host"] == f"hooks.test:{receiver.port}"
        assert sni and set(sni) == {"hooks.test"}
    finally:
        receiver.server.shutdown()


def test_a_bad_allow_list_fails_the_system_check(settings) -> None:
    from apps.webhooks.apps import check_allowed_networks

    assert check_allowed_networks() == []
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "not-a-network"]
    (error,) = check_allowed_networks()
    assert error.id == "webhooks.E001" and "not-a-network" in error.msg
