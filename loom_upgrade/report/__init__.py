"""Renderers of plans, preflight reports and engine events: human (Rich), JSON, JSONL and
a Markdown summary for CI. Renderers build text or Rich renderables; the CLI prints them."""
