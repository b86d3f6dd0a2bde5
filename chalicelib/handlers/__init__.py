"""HTTP handlers: one blueprint a module. Parse, authorize, call the domain/store, serialize."""
