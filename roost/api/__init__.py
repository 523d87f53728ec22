"""The AWS Config API (AWS JSON 1.1): dispatch on X-Amz-Target, checks from botocore's model, handlers
in operations/. See README.md in this folder."""
