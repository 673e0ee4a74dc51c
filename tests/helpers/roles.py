"""The kinds of user every permission test walks through, and how they rank."""

ROLES = ["anonymous", "outsider", "annotator", "reviewer", "manager", "owner", "staff"]
RANK = {"annotator": 1, "reviewer": 2, "manager": 3, "owner": 4, "staff": 4}  # staff: an owner
