-- Schema of revision 0002 (release 0.2.0), SQLite. Written by hand from the schema table
-- of docs/architecture.md; tests/storage/test_snapshots.py checks it against the chain.
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE loom_meta (
    key VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE game_sessions (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    title TEXT NOT NULL,
    rulebook_path TEXT NOT NULL,
    legacy_state TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE game_turns (
    id INTEGER NOT NULL PRIMARY KEY,
    session_id VARCHAR(36) NOT NULL REFERENCES game_sessions (id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    player_input TEXT NOT NULL,
    gm_response TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE game_facts (
    id INTEGER NOT NULL PRIMARY KEY,
    session_id VARCHAR(36) NOT NULL REFERENCES game_sessions (id) ON DELETE CASCADE,
    turn_id INTEGER REFERENCES game_turns (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    source VARCHAR(32) NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE metrics (
    id INTEGER NOT NULL PRIMARY KEY,
    timestamp DATETIME NOT NULL,
    metric_name VARCHAR(128) NOT NULL,
    value FLOAT NOT NULL
);

CREATE INDEX idx_metrics_timestamp ON metrics (timestamp);
