import pytest


@pytest.fixture
def allow_loopback(settings) -> None:
    """The receivers these tests run listen on 127.0.0.1, which webhooks may not reach by
    default: allow loopback explicitly, as an operator would for a receiver on the host."""
    settings.LABELFORGE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
