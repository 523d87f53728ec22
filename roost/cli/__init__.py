"""The `roost` command: thin click wrappers over the packages below it."""
