"""One module per AWS resource type; each registers its collector in COLLECTORS on import."""
