"""Use cases (DESIGN §1a): read via the store, decide via the domain, write one transaction, then mail and events."""
