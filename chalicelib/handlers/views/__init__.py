"""API JSON of each resource, built in one place (DESIGN §1a); handlers and the CLI serialize with these."""
