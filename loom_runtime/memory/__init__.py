"""The memory layer: turns, remembered facts and their retrieval, through SQLAlchemy."""

from loom_runtime.memory.records import FactRecord, InterventionRecord, SessionRecord, TurnRecord
from loom_runtime.memory.retrieval import relevant_facts, search_terms
from loom_runtime.memory.store import MemoryStore

__all__ = ["FactRecord", "InterventionRecord", "MemoryStore", "SessionRecord", "TurnRecord", "relevant_facts", "search_terms"]
