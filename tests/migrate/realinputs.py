"""Helpers for the generated tests over the real configuration files in the shared cases folder.

The files are read where they are and never copied into the repository (their licences
differ from ours).
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from loom_upgrade.migrate.paths import Segment
from loom_upgrade.migrate.yaml_text import compose_documents, parse_documents

REAL_INPUTS = Path(__file__).resolve().parents[3] / "shared" / "cases" / "real-inputs"
YAML_FILES = (
    "nextcloud-helm-values.yaml",
    "ruoyi-application.yml",
    "ccostan-ha-configuration.yaml",
    "airflow-docker-compose.yaml",
    "k8s-dashboard-recommended.yaml",
)
ENV_FILES = ("mastodon-env.production.sample", "bumoyu-nest.env.prod")
MARKDOWN_FILES = ("grimoire-attribute-zh.md",)


def read(name: str) -> str:
    return (REAL_INPUTS / name).read_bytes().decode("utf-8")


@functools.lru_cache(maxsize=16)
def key_paths(text: str) -> list[tuple[int, list[Segment], ScalarNode, Node]]:
    """Return (document, path, key node, value node) for every mapping key of every document."""
    return key_paths_of(compose_documents(text.lstrip("\ufeff")))


@functools.lru_cache(maxsize=16)
def parse_original(text: str) -> tuple[list, list]:
    """Return the node trees and plain data of an input file (parsed once per run)."""
    return parse_documents(text.lstrip("\ufeff"))


def key_paths_of(documents: list) -> list[tuple[int, list[Segment], ScalarNode, Node]]:
    """Return (document, path, key node, value node) for every mapping key of ``documents``."""
    out: list[tuple[int, list[Segment], ScalarNode, Node]] = []

    def visit(doc: int, node: Node, path: list[Segment], seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                if value.start_mark.index < key.end_mark.index:
                    out.append((doc, path + [key.value], key, value))
                    continue  # an alias: its keys live at the anchor
                out.append((doc, path + [key.value], key, value))
                visit(doc, value, path + [key.value], seen)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                visit(doc, item, path + [index], seen)

    for doc, root in enumerate(documents):
        if root is not None:
            visit(doc, root, [], set())
    return out


def line_opcodes(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    """Return the non-equal opcodes of a line diff of two texts (line endings included)."""
    matcher = difflib.SequenceMatcher(a=old.splitlines(keepends=True), b=new.splitlines(keepends=True), autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]
