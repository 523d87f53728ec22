"""Aggregators: many (account, region) sources in one view, read straight from the shared store.

model.py     aggregators, their account and organization sources, authorizations, source status
sources.py   which sources an aggregator covers now (AllAwsRegions: every region that records),
             which of them have authorized it, organization members, pending requests
"""
