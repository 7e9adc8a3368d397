"""The HTTP service: health, readiness, metrics and the session API under /api/v1/."""
