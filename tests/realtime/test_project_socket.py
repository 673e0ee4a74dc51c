"""The project websocket over the real ASGI app and the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async

from apps.annotations.services import annotation_create, annotation_delete, annotation_update
from apps.core.exceptions import ApplicationError
from apps.images.services import image_update
from apps.projects.models import Role
from tests.helpers.ws import connect, ended, quiet, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.mark.parametrize("who", [None, "outsider"])
async def test_anonymous_and_non_members_are_refused(world, who) -> None:
    communicator = await connect(world, who)
    connected, code = await communicator.connect()
    assert not connected and code == 4403
    assert await ended(communicator)


async def test_refused_sockets_stop_their_consumer(world) -> None:
    """The consumer of a socket refused at once stops when the client goes (its channel-layer
    receive, cancelled within milliseconds of starting, used to poll Redis forever)."""
    for _ in range(30):
        communicator = await connect(world, "outsider")
        assert await communicator.connect() == (False, 4403)
        assert await ended(communicator)


@pytest.mark.parametrize(
    ("who", "role"), [("annotator", "annotator"), ("owner", "owner"), ("staff", "owner")]
)
async def test_members_are_welcomed_with_their_role(world, who, role) -> None:
    communicator = await connect(world, who)
    connected, _ = await communicator.connect()
    assert connected
    hello = await receive(communicator)
    assert hello == {"type": "hello", "payload": {"user": who, "role": role}}
    await communicator.disconnect()


async def test_token_auth_for_scripts(world) -> None:
    communicator = await connect(world, "manager", via="token")
    connected, _ = await communicator.connect()
    assert connected
    assert (await receive(communicator))["payload"]["role"] == "manager"
    await communicator.disconnect()


async def test_annotation_and_image_events_arrive_after_commit(world, make_images) -> None:
    image = (await database_sync_to_async(make_images)(1))[0]
    communicator = await connect(world, "annotator")
    await communicator.connect()
    await receive(communicator)  # hello
    user = world.users["manager"]
    annotation = await database_sync_to_async(annotation_create)(
        image=image,
        user=user,
        kind="box",
        label_id=world.labels[0].pk,
        box={"x": 1, "y": 1, "w": 4, "h": 4},
    )
    created = await receive(communicator)
    assert created["type"] == "annotation.created"
    assert created["payload"]["id"] == annotation.pk and created["payload"]["actor"] == "manager"
    status = await receive(communicator)
    assert status["type"] == "image.updated" and status["payload"]["status"] == "in_progress"

    await database_sync_to_async(annotation_update)(
        annotation_id=annotation.pk, user=user, version=1, data={"label": world.labels[1].pk}
    )
    updated = await receive(communicator)
    assert updated["type"] == "annotation.updated" and updated["payload"]["version"] == 2
    await database_sync_to_async(annotation_delete)(
        annotation_id=annotation.pk, user=user, version=2
    )
    deleted = await receive(communicator)
    assert deleted["type"] == "annotation.deleted"
    assert deleted["payload"]["id"] == annotation.pk and deleted["payload"]["image"] == image.pk

    await database_sync_to_async(image_update)(
        image=image, role=Role.OWNER, data={"status": "done"}
    )
    done = await receive(communicator)
    assert done["type"] == "image.updated" and done["payload"]["status"] == "done"
    await communicator.disconnect()


async def test_nothing_is_sent_for_a_rolled_back_write(world, make_images) -> None:
    image = (await database_sync_to_async(make_images)(1))[0]
    communicator = await connect(world, "annotator")
    await communicator.connect()
    await receive(communicator)
    with pytest.raises(ApplicationError, match="outside"):
        await database_sync_to_async(annotation_create)(
            image=image,
            user=None,
            kind="box",
            label_id=world.labels[0].pk,
            box={"x": 1, "y": 1, "w": 400, "h": 4},
        )
    assert await quiet(communicator)
    await communicator.disconnect()


async def test_other_projects_events_do_not_leak(world, make_images) -> None:
    theirs = (await database_sync_to_async(make_images)(1, world.other_project))[0]
    communicator = await connect(world, "owner")
    await communicator.connect()
    await receive(communicator)
    await database_sync_to_async(annotation_create)(
        image=theirs, user=None, kind="tag", label_id=world.other_label.pk
    )
    assert await quiet(communicator)
    await communicator.disconnect()


async def test_presence_lists_who_is_on_which_image(world, make_images) -> None:
    image = (await database_sync_to_async(make_images)(1))[0]
    alice = await connect(world, "annotator")
    await alice.connect()
    await alice.receive_json_from()  # hello
    state = await alice.receive_json_from()
    assert state == {
        "type": "presence.state",
        "payload": {"users": [{"user": "annotator", "image": None}]},
    }
    bob = await connect(world, "manager")
    await bob.connect()
    await bob.send_json_to({"type": "presence.update", "payload": {"image": image.pk}})

    async def users_seen_by(communicator) -> list:
        while True:
            event = await communicator.receive_json_from(timeout=5)
            if event["type"] == "presence.state":
                users = event["payload"]["users"]
                if {"user": "manager", "image": image.pk} in users:
                    return users

    assert await users_seen_by(alice) == [
        {"user": "annotator", "image": None},
        {"user": "manager", "image": image.pk},
    ]
    await bob.disconnect()
    while True:
        event = await alice.receive_json_from(timeout=5)
        if event["type"] == "presence.state" and len(event["payload"]["users"]) == 1:
            break
    assert event["payload"]["users"] == [{"user": "annotator", "image": None}]
    await alice.disconnect()


async def test_ping_pong(world) -> None:
    communicator = await connect(world, "annotator")
    await communicator.connect()
    await communicator.send_json_to({"type": "ping", "payload": 7})
    assert await receive(communicator) == {
        "type": "hello",
        "payload": {"user": "annotator", "role": "annotator"},
    }
    assert await receive(communicator) == {"type": "pong", "payload": 7}
    await communicator.disconnect()


async def test_removed_member_is_disconnected(world) -> None:
    from apps.projects.models import Membership
    from apps.projects.services import member_remove

    communicator = await connect(world, "annotator")
    await communicator.connect()
    await receive(communicator)  # hello
    membership = await database_sync_to_async(Membership.objects.get)(
        project=world.project, user=world.users["annotator"]
    )
    await database_sync_to_async(member_remove)(membership=membership)
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4403
