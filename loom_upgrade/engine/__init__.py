"""The step loop, journal, lock, events, resume and rollback of loom-upgrade."""
