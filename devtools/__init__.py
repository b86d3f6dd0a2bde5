"""Local development tooling: the embedded stack and the gateway/mail sandbox. Never shipped to Lambda."""
