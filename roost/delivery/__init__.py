"""Delivery channels' outputs: history and snapshot files in S3, the configuration stream in SNS.

    keys.py        the S3 key layout (AWSLogs/<acct>/Config/<region>/<yyyy>/<m>/<d>/...)
    files.py       gzip JSON file bodies, written item by item
    messages.py    SNS message bodies and subjects
    outputs.py     a channel's bucket and topic (boto3 through the CloudConnector)
    stream.py      change notifications (and oversized ones) after the stream cursor
    history.py     per-type history files after the history cursor
    snapshot.py    snapshots of every current resource
    status.py      how attempts move DeliveryChannelStatus; when exports are due
    deliverer.py   the Deliverer: checks, on-demand deliveries, run_once

See README.md for what is delivered where and when, and why a crash never loses an item.
"""

from roost.delivery.deliverer import ChannelReport, Deliverer
from roost.delivery.stream import StreamResult

__all__ = ["ChannelReport", "Deliverer", "StreamResult"]
