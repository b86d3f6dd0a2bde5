"""The only code that talks to DynamoDB, S3 and SES."""
