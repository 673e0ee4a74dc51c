"""The kinds of user every permission test walks through, and how they rank."""

ROLES = ["anonymous", "outsider", "annotator", "manager", "owner", "staff"]
RANK = {"annotator": 1, "manager": 2, "owner": 3, "staff": 3}  # staff acts as an owner
