"""Webhooks: subscriptions, the events the app emits, and signed delivery with retries.

Emitters call `webhook_emit(project_id=..., event=..., data={...})`; a Delivery row is
written per subscribed webhook and a `default`-queue job sends it after commit. A failed
send is retried with backoff (LABELFORGE_WEBHOOK_BACKOFF); every attempt is in the log.
Sending goes through `transport`: a URL that is, or resolves to, a loopback, private,
link-local or metadata address (LABELFORGE_WEBHOOK_ALLOWED_NETWORKS aside) is refused: at
create/update for a literal address, on sending for any, and a refused delivery fails at once."""

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import django_rq
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from apps.core.crypto import SecretUnreadable
from apps.core.exceptions import ApplicationError
from apps.core.jobs import enqueue_on_commit
from apps.projects.models import Project

from . import transport
from .models import EVENTS, Delivery, DeliveryStatus, Webhook

DELIVER_JOB = "apps.webhooks.services.webhook_deliver"
SIGNATURE_HEADER = "X-Labelforge-Signature"
TIMEOUT_SECONDS = 10


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _clean(url: str | None, events: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if url is not None:
        if urlparse(url).scheme not in ("http", "https"):
            raise ApplicationError("url: must be an http(s) URL.", code="invalid_url")
        try:
            transport.check_url_host(url)
        except transport.AddressRefused as exc:
            raise ApplicationError(f"url: {exc}.", code="forbidden_address") from exc
        out["url"] = url
    if events is not None:
        unknown = sorted(set(events) - set(EVENTS))
        if unknown or not events:
            raise ApplicationError(
                f"events: choose from {', '.join(EVENTS)}"
                + (f" (unknown: {unknown})" if unknown else "."),
                code="invalid_events",
            )
        out["events"] = sorted(set(events), key=EVENTS.index)
    return out


def webhook_create(
    *, project: Project, user: AbstractBaseUser, url: str, events: list[str], active: bool = True
) -> Webhook:
    return Webhook.objects.create(project=project, created_by=user, active=active,
                                  secret=secrets.token_hex(32), **_clean(url, events))  # fmt: skip


def webhook_update(*, webhook: Webhook, data: dict[str, Any]) -> Webhook:
    fields = _clean(data.get("url"), data.get("events"))
    if "active" in data:
        fields["active"] = bool(data["active"])
    for key, value in fields.items():
        setattr(webhook, key, value)
    if fields:
        webhook.save(update_fields=list(fields))
    return webhook


def _queue_delivery(webhook: Webhook, event: str, payload: dict[str, Any]) -> Delivery:
    delivery = Delivery.objects.create(webhook=webhook, event=event, payload=payload)
    enqueue_on_commit("default", DELIVER_JOB, delivery_id=delivery.pk)
    return delivery


@transaction.atomic
def webhook_emit(*, project_id: int, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for every active webhook of the project subscribed to it."""
    assert event in EVENTS, event
    payload = {"event": event, "project": project_id, "created_at": timezone.now().isoformat(),
               "data": data}  # fmt: skip
    hooks = [
        h for h in Webhook.objects.filter(project_id=project_id, active=True) if event in h.events
    ]
    for hook in hooks:
        _queue_delivery(hook, event, payload)
    return len(hooks)


@transaction.atomic
def webhook_ping(*, webhook: Webhook) -> Delivery:
    payload = {"event": "ping", "project": webhook.project_id,
               "created_at": timezone.now().isoformat(), "data": {"webhook": webhook.pk}}  # fmt: skip
    return _queue_delivery(webhook, "ping", payload)


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str = ""
    final: bool = False  # no retry: the address is refused


def _send(delivery: Delivery) -> Attempt:
    body = json.dumps({"delivery": delivery.pk, **delivery.payload}).encode()
    try:
        signature = sign(delivery.webhook.secret, body)
    except SecretUnreadable as exc:
        return Attempt(None, f"Not sent: {exc}", final=True)
    headers = {
        "Content-Type": "application/json", "User-Agent": "Labelforge-Webhook/1",
        "X-Labelforge-Event": delivery.event, "X-Labelforge-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature,
    }  # fmt: skip
    try:
        reply = transport.post(delivery.webhook.url, body, headers, TIMEOUT_SECONDS)
    except transport.AddressRefused as exc:
        return Attempt(None, f"Refused: {exc}.", final=True)
    except transport.SendFailed as exc:
        return Attempt(None, str(exc))
    if 200 <= reply.status < 300:
        return Attempt(reply.status)
    error = f"HTTP {reply.status} {reply.reason}"
    if 300 <= reply.status < 400:
        error += f" (redirects are not followed; Location: {reply.location or 'none'})"
    return Attempt(reply.status, error)


def webhook_deliver(*, delivery_id: int) -> str:
    """The `default`-queue job: one attempt; on failure the next one is scheduled."""
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        return "nothing to do"
    started = time.perf_counter()
    attempt = _send(delivery)
    delivery.attempts += 1
    delivery.response_status = attempt.status_code
    delivery.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    delivery.error = attempt.error
    backoff = list(settings.LABELFORGE_WEBHOOK_BACKOFF)
    if not attempt.error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.SUCCEEDED,
            timezone.now(),
            None,
        )
    elif attempt.final or delivery.attempts > len(backoff):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delay = backoff[delivery.attempts - 1]
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    delivery.save()
    if delivery.status == DeliveryStatus.RETRYING:
        queue = django_rq.get_queue("default")
        if delay > 0:  # needs a worker started with --with-scheduler (runstack does)
            queue.enqueue_in(timedelta(seconds=delay), DELIVER_JOB, delivery_id=delivery.pk)
        else:
            queue.enqueue(DELIVER_JOB, delivery_id=delivery.pk)
    return str(delivery.status)
