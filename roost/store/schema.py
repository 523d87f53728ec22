"""The store's tables (SQLAlchemy Core). All SQL in roost lives under roost/store/.

Times are integer epoch milliseconds; JSON documents are stored as text that roost serialises
itself (fast for bulk ingest, identical on SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias); PostgreSQL wants BIGINT.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_time", sa.BigInteger, nullable=False),
)

configuration_items = sa.Table(
    "configuration_items",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("resource_type", sa.String(256), nullable=False),
    sa.Column("resource_id", sa.String(768), nullable=False),
    sa.Column("configuration_state_id", sa.BigInteger, nullable=False),
    sa.Column("capture_time", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("aws_region", sa.String(32), nullable=False),
    sa.Column("resource_name", sa.Text),
    sa.Column("arn", sa.Text),
    sa.Column("availability_zone", sa.String(64)),
    sa.Column("resource_creation_time", sa.BigInteger),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("related_events", sa.Text, nullable=False),
    sa.Column("relationships", sa.Text, nullable=False),
    sa.Column("configuration", sa.Text),
    sa.Column("supplementary_configuration", sa.Text, nullable=False),
    sa.Column("version", sa.String(8), nullable=False),
    sa.Column("md5_hash", sa.String(64), nullable=False),
    sa.Column("recording_frequency", sa.String(16), nullable=False),
    sa.Column("delivery_time", sa.BigInteger),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("diff", sa.Text),
    sa.UniqueConstraint(
        "account_id", "region", "resource_type", "resource_id", "configuration_state_id", name="uq_item_state"
    ),
    sa.Index("ix_items_source_capture", "account_id", "region", "capture_time"),
)

# The current state of every resource ever recorded: one row per resource, updated in the same
# transaction as the item that changed it. Passes read this (never the history) to decide what changed.
resources = sa.Table(
    "resources",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("resource_id", sa.String(768), primary_key=True),
    sa.Column("resource_name", sa.Text),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("configuration_state_id", sa.BigInteger, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("last_capture_time", sa.BigInteger, nullable=False),
    sa.Column("deletion_time", sa.BigInteger),
    sa.Index("ix_resources_name", "account_id", "region", "resource_type", "resource_name"),
)

configuration_recorders = sa.Table(
    "configuration_recorders",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("role_arn", sa.Text, nullable=False),
    sa.Column("recording_group", sa.Text, nullable=False),
    sa.Column("recording_mode", sa.Text, nullable=False),
    sa.Column("recording", sa.Boolean, nullable=False, default=False),
    sa.Column("last_status", sa.String(16), nullable=False),
    sa.Column("last_start_time", sa.BigInteger),
    sa.Column("last_stop_time", sa.BigInteger),
    sa.Column("last_status_change_time", sa.BigInteger),
    sa.Column("last_error_code", sa.Text),
    sa.Column("last_error_message", sa.Text),
)

# Failures of the latest collection of a type (resource_id "" = the whole type), for the status.
collection_errors = sa.Table(
    "collection_errors",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("resource_id", sa.String(768), primary_key=True),
    sa.Column("error_code", sa.Text, nullable=False),
    sa.Column("error_message", sa.Text, nullable=False),
    sa.Column("time", sa.BigInteger, nullable=False),
)

# One row per (source, type): when the type was last collected in full, and in which pass.
type_collections = sa.Table(
    "type_collections",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("last_collected_time", sa.BigInteger, nullable=False),
    sa.Column("pass_id", sa.BigInteger),
)

# Recording passes: a pass that has no finished_time was interrupted and is resumed.
recording_passes = sa.Table(
    "recording_passes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("started_time", sa.BigInteger, nullable=False),
    sa.Column("finished_time", sa.BigInteger),
    sa.Column("resource_types", sa.Text, nullable=False),
    sa.Column("items_written", sa.BigInteger, nullable=False, default=0),
    sa.Column("error_count", sa.BigInteger, nullable=False, default=0),
    sa.Index("ix_passes_source", "account_id", "region", "id"),
)

delivery_channels = sa.Table(
    "delivery_channels",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("s3_bucket_name", sa.Text, nullable=False),
    sa.Column("s3_key_prefix", sa.Text),
    sa.Column("s3_kms_key_arn", sa.Text),
    sa.Column("sns_topic_arn", sa.Text),
    sa.Column("delivery_frequency", sa.String(32), nullable=False),
    # Delivery cursors: the last configuration_items.id delivered as history files / SNS messages.
    sa.Column("history_cursor", sa.BigInteger, nullable=False, default=0),
    sa.Column("stream_cursor", sa.BigInteger, nullable=False, default=0),
    sa.Column("history_file_seq", sa.BigInteger, nullable=False, default=0),
    sa.Column("status", sa.Text, nullable=False),
)

# --- added by migration 2 ---------------------------------------------------------------------

# One per source, always named "default" (PutRetentionConfiguration); none means AWS's 7 years.
retention_configurations = sa.Table(
    "retention_configurations",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("retention_period_in_days", sa.Integer, nullable=False),
)

# Tags on AWS Config's own resources (recorders, rules, aggregators, ...), by ARN.
resource_tags = sa.Table(
    "resource_tags",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("resource_arn", sa.String(1000), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

# --- rules and compliance (migration 3) ------------------------------------------------------------

config_rules = sa.Table(
    "config_rules",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("rule_id", sa.String(64), nullable=False, unique=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("created_time", sa.BigInteger, nullable=False),
    sa.Column("last_periodic_run", sa.BigInteger),
)

# One result per (rule, resource, mode); the newest ordering timestamp wins.
evaluation_results = sa.Table(
    "evaluation_results",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("rule_name", sa.String(128), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("resource_id", sa.String(768), primary_key=True),
    sa.Column("evaluation_mode", sa.String(16), primary_key=True),
    sa.Column("compliance_type", sa.String(32), nullable=False),
    sa.Column("annotation", sa.Text),
    sa.Column("ordering_timestamp", sa.BigInteger, nullable=False),
    sa.Column("result_recorded_time", sa.BigInteger, nullable=False),
    sa.Column("config_rule_invoked_time", sa.BigInteger, nullable=False),
    sa.Index("ix_results_resource", "account_id", "region", "resource_type", "resource_id"),
)

rule_evaluation_status = sa.Table(
    "rule_evaluation_status",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("rule_name", sa.String(128), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)

# Secrets roost generates for itself (e.g. the key that signs result tokens).
roost_secrets = sa.Table(
    "roost_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# --- hosted functions (migration 4) ----------------------------------------------------------------

functions = sa.Table(
    "functions",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("code", sa.LargeBinary, nullable=False),
    sa.Column("policy", sa.Text, nullable=False),
)

# Every invocation's log, newest kept (a bounded number per function).
function_invocations = sa.Table(
    "function_invocations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("function_name", sa.String(64), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("started", sa.BigInteger, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("error_type", sa.Text),
    sa.Column("error_message", sa.Text),
    sa.Column("trigger", sa.Text, nullable=False),
    sa.Column("log", sa.Text, nullable=False),
    sa.Index("ix_invocations_function", "account_id", "region", "function_name", "id"),
)

# --- remediation (migration 5) ---------------------------------------------------------------------

# One per (rule, resource type): resource_type is "" for a configuration that names none.
remediation_configurations = sa.Table(
    "remediation_configurations",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("rule_name", sa.String(128), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)

remediation_exceptions = sa.Table(
    "remediation_exceptions",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("rule_name", sa.String(128), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("resource_id", sa.String(1024), primary_key=True),
    sa.Column("message", sa.Text),
    sa.Column("expiration_time", sa.BigInteger),
)

# Every execution, kept as its audit record: its steps and every cloud call it made.
remediation_executions = sa.Table(
    "remediation_executions",
    metadata,
    sa.Column("execution_id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("rule_name", sa.String(128), nullable=False),
    sa.Column("resource_type", sa.String(256), nullable=False),
    sa.Column("resource_id", sa.String(1024), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("automatic", sa.Boolean, nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("invocation_time", sa.BigInteger, nullable=False),
    sa.Column("last_updated_time", sa.BigInteger, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index("ix_executions_resource", "account_id", "region", "rule_name", "resource_type", "resource_id"),
    sa.Index("ix_executions_state", "state"),
)

# --- aggregators (migration 6) ---------------------------------------------------------------------

config_aggregators = sa.Table(
    "config_aggregators",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)

# Granted by the source (account_id, region) to an aggregator account's region.
aggregation_authorizations = sa.Table(
    "aggregation_authorizations",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("authorized_account_id", sa.String(12), primary_key=True),
    sa.Column("authorized_region", sa.String(64), primary_key=True),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
)

# Pending aggregation requests a source dismissed (DeletePendingAggregationRequest).
dismissed_aggregation_requests = sa.Table(
    "dismissed_aggregation_requests",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("requester_account_id", sa.String(12), primary_key=True),
    sa.Column("requester_region", sa.String(64), primary_key=True),
)

# --- stored queries (migration 7) ------------------------------------------------------------------

# Saved advanced queries (PutStoredQuery), unique by name per account and region.
stored_queries = sa.Table(
    "stored_queries",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("query_name", sa.String(64), primary_key=True),
    sa.Column("query_id", sa.String(36), nullable=False),
    sa.Column("arn", sa.String(500), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("expression", sa.Text, nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
)

# Conformance packs (PutConformancePack): the template as given, its parameters, the pack's state and
# the rules and remediation configurations it deployed (JSON lists), one row per pack.
conformance_packs = sa.Table(
    "conformance_packs",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("pack_name", sa.String(256), primary_key=True),
    sa.Column("pack_id", sa.String(64), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("status_reason", sa.Text),
    sa.Column("template_body", sa.Text, nullable=False),
    sa.Column("template_s3_uri", sa.Text),
    sa.Column("input_parameters", sa.Text, nullable=False),
    sa.Column("delivery_bucket", sa.String(63)),
    sa.Column("delivery_prefix", sa.String(1024)),
    sa.Column("scope_tag_key", sa.String(128)),
    sa.Column("scope_tag_value", sa.String(256)),
    sa.Column("rules", sa.Text, nullable=False),
    sa.Column("remediations", sa.Text, nullable=False),
    sa.Column("last_update_requested", sa.BigInteger, nullable=False),
    sa.Column("last_update_completed", sa.BigInteger),
    # Who is deploying or deleting the pack, and until when (migration 10): another process finishes
    # the work only once the lease has run out (its owner died).
    sa.Column("lease_owner", sa.String(128)),
    sa.Column("lease_until", sa.BigInteger),
)

# --- the index of current configuration properties (migration 9) ----------------------------------

# One row per scalar leaf of each current resource's configuration, supplementaryConfiguration and
# tags, its path written without array indices (roost/store/properties.py): what the advanced query
# reads to answer `WHERE configuration.x = ...` through indexes instead of scanning JSON. Rows of a
# resource are replaced in the transaction that moves its `resources` row (roost/store/items.py).
# value_type: 's' string (text_value), 'n' number (number_value), 't' / 'f' booleans, 'p' a marker
# saying some leaves of that path were left out (too long, or too many): the query reads the JSON
# of such resources for that path. ip_lo / ip_hi: the range of a string that is an IP address or a
# CIDR block, as comparable text (family digit + 32 hex digits).
resource_properties = sa.Table(
    "resource_properties",
    metadata,
    sa.Column("account_id", sa.String(12), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("resource_type", sa.String(256), primary_key=True),
    sa.Column("resource_id", sa.String(768), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("value_type", sa.String(1), nullable=False),
    # Byte order on PostgreSQL whatever the database's collation, so that a LIKE prefix is a range.
    sa.Column("text_value", sa.Text().with_variant(sa.Text(collation="C"), "postgresql")),
    sa.Column("number_value", sa.Numeric(asdecimal=False)),
    sa.Column("ip_lo", sa.String(33)),
    sa.Column("ip_hi", sa.String(33)),
    sa.Index("ix_properties_text", "path", "value_type", "text_value"),
    sa.Index(
        "ix_properties_number",
        "path",
        "number_value",
        sqlite_where=sa.text("number_value IS NOT NULL"),
        postgresql_where=sa.text("number_value IS NOT NULL"),
    ),
    sa.Index(
        "ix_properties_ip",
        "path",
        "ip_lo",
        "ip_hi",
        sqlite_where=sa.text("ip_lo IS NOT NULL"),
        postgresql_where=sa.text("ip_lo IS NOT NULL"),
    ),
    sqlite_with_rowid=False,
)
