"""Query packs: schema, loading, variable expansion and validation. No textual."""
