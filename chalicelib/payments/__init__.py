"""Payment gateways (PayU, Zona Virtual): one module a gateway behind one interface (issue #5)."""
