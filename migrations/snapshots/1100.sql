-- Schema of revision 1100 (release 1.1.0), SQLite. Written by hand from the schema table
-- of docs/architecture.md; tests/storage/test_snapshots.py checks it against the chain.
-- Adds idx_memory_facts_session_created to the 1.0.x schema.
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE loom_meta (
    key VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE narrative_sessions (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    title TEXT NOT NULL,
    canon_path TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    seed INTEGER
);

CREATE TABLE narrative_turns (
    id INTEGER NOT NULL PRIMARY KEY,
    session_id VARCHAR(36) NOT NULL REFERENCES narrative_sessions (id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    player_input TEXT NOT NULL,
    narration TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    token_count INTEGER
);

CREATE INDEX idx_narrative_turns_session ON narrative_turns (session_id, turn_index);

CREATE TABLE memory_facts (
    id INTEGER NOT NULL PRIMARY KEY,
    session_id VARCHAR(36) NOT NULL REFERENCES narrative_sessions (id) ON DELETE CASCADE,
    turn_id INTEGER REFERENCES narrative_turns (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    source VARCHAR(32) NOT NULL,
    created_at DATETIME NOT NULL,
    importance FLOAT DEFAULT '0.5' NOT NULL,
    pinned BOOLEAN DEFAULT '0' NOT NULL
);

CREATE INDEX idx_memory_facts_session_created ON memory_facts (session_id, created_at);

CREATE TABLE metrics (
    id INTEGER NOT NULL PRIMARY KEY,
    timestamp DATETIME NOT NULL,
    metric_name VARCHAR(128) NOT NULL,
    value FLOAT NOT NULL
);

CREATE INDEX idx_metrics_timestamp ON metrics (timestamp);

CREATE TABLE interventions (
    id INTEGER NOT NULL PRIMARY KEY,
    session_id VARCHAR(36) NOT NULL REFERENCES narrative_sessions (id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    kind VARCHAR(32) NOT NULL,
    payload TEXT NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE users (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(64) NOT NULL UNIQUE,
    role VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name VARCHAR(64) NOT NULL,
    token_hash VARCHAR(64) NOT NULL UNIQUE,
    role VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME,
    revoked_at DATETIME
);

CREATE TABLE plugin_state (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    version VARCHAR(32) NOT NULL,
    enabled BOOLEAN NOT NULL,
    settings TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE VIRTUAL TABLE memory_facts_fts USING fts5(content, content='memory_facts', content_rowid='id', tokenize='trigram');

CREATE TRIGGER memory_facts_fts_insert AFTER INSERT ON memory_facts BEGIN
    INSERT INTO memory_facts_fts(rowid, content) VALUES (new.id, new.content);
END;

CREATE TRIGGER memory_facts_fts_delete AFTER DELETE ON memory_facts BEGIN
    INSERT INTO memory_facts_fts(memory_facts_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;

CREATE TRIGGER memory_facts_fts_update AFTER UPDATE OF content ON memory_facts BEGIN
    INSERT INTO memory_facts_fts(memory_facts_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO memory_facts_fts(rowid, content) VALUES (new.id, new.content);
END;
