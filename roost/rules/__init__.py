"""Rules: managed rules (managed/, one file per AWS identifier), the evaluation engine, compliance."""
