"""Plugins shipped with LOOM; copy a folder's ``loom-plugin.yaml`` into a home's plugins/ to enable it."""
