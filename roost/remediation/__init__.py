"""Remediation: fixing what breaks a rule, with automation documents, manually or automatically.

model.py        configurations, exceptions, executions, the cloud calls an execution made
document.py     AutomationDocument (one per file under documents/), parameters, steps, dry runs
documents/      one file per automation document, registered under AWS's name
engine.py       RemediationEngine: executions (manual and automatic), retries, resume after restart
"""
