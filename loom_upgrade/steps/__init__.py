"""Step kinds, one module each; see ``base.Step``."""
