"""Pure business logic: no AWS, no HTTP."""
