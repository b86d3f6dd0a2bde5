"""HTTP handlers: one blueprint a module. Parse, authorize, call ONE service function, serialize (views/)."""
