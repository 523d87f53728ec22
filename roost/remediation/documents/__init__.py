"""Automation documents, one file each, registered in DOCUMENTS under AWS's document name."""
