"""Persistence, the only code that talks to DynamoDB, S3 and SES: models, keys, queries, transactions."""
