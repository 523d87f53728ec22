"""Conformance packs: CloudFormation templates of rules and remediations, deployed and scored as AWS does."""
