"""db-instance-backup-enabled (DB_INSTANCE_BACKUP_ENABLED): DB instances keep automated backups.

NON_COMPLIANT when the recorded DB instance's backupRetentionPeriod is 0, or when it fails a given
parameter: `backupRetentionPeriod` (the period must equal it), `backupRetentionMinimum` (the period
must be at least it), `preferredBackupWindow` (the window must equal it, "hh24:mi-hh24:mi"). Read
replicas are NOT_APPLICABLE unless `checkReadReplicas` is true, as in AWS's rule.
"""

from __future__ import annotations

from roost.model import ConfigurationItem
from roost.rules.managed_rule import MANAGED_RULES, ManagedRule, Parameter, RuleContext, Trigger, Verdict


@MANAGED_RULES.register("DB_INSTANCE_BACKUP_ENABLED")
class DbInstanceBackupEnabled(ManagedRule):
    identifier = "DB_INSTANCE_BACKUP_ENABLED"
    name = "db-instance-backup-enabled"
    resource_types = ("AWS::RDS::DBInstance",)
    triggers = frozenset({Trigger.CONFIGURATION_CHANGE})
    parameters = (
        Parameter("backupRetentionMinimum", "int"),
        Parameter("backupRetentionPeriod", "int"),
        Parameter("checkReadReplicas", "boolean"),
        Parameter("preferredBackupWindow"),
    )

    def evaluate(self, item: ConfigurationItem, ctx: RuleContext) -> Verdict:
        config = item.configuration or {}
        if config.get("readReplicaSourceDBInstanceIdentifier") and not ctx.params.get("checkReadReplicas"):
            return Verdict.not_applicable("Read replicas are not checked (checkReadReplicas is not true).")
        period = int(config.get("backupRetentionPeriod") or 0)
        if period <= 0:
            return Verdict.non_compliant("Automated backups are disabled for the DB instance.")
        exact = ctx.params.get("backupRetentionPeriod")
        if exact is not None and period != exact:
            return Verdict.non_compliant(f"The backup retention period is {period} days, not {exact}.")
        minimum = ctx.params.get("backupRetentionMinimum")
        if minimum is not None and period < minimum:
            return Verdict.non_compliant(f"The backup retention period is {period} days, under {minimum}.")
        window = ctx.params.get("preferredBackupWindow")
        if window and config.get("preferredBackupWindow") != window:
            return Verdict.non_compliant(f"The preferred backup window is not {window}.")
        return Verdict.compliant()
