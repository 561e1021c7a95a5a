"""The status changes the life cycle allows, as plain data (no Django imports),
shared by hazards/lifecycle.py and the database triggers."""

ALLOWED_STATUS_PAIRS = (
    ("reported", "assigned"),
    ("assigned", "rectifying"),
    ("rejected", "rectifying"),
    ("rectifying", "submitted"),
    ("submitted", "closed"),
    ("submitted", "rejected"),
    ("closed", "assigned"),
)
