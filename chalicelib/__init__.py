"""Pórtico: a serverless customer self-service portal."""
