"""One module per AWS managed rule, named after its identifier; each registers in MANAGED_RULES."""
