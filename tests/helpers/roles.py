"""Role ranks as the permission tests use them (staff acts as an owner everywhere)."""

RANK = {"annotator": 1, "manager": 2, "owner": 3, "staff": 3}
