"""loom-upgrade: plans, applies and rolls back upgrades of a LOOM deployment."""
