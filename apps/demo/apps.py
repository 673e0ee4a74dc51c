from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo project `make run` seeds (manage.py seed_demo). It sits above every other
    app: it uses them all, nothing uses it."""

    name = "apps.demo"
    label = "demo"
