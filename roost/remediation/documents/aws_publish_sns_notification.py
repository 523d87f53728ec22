"""AWS-PublishSNSNotification: publish a message to an SNS topic.

AWS's runbook is one Publish call (step PublishSNSNotification) with TopicArn and Message; it fixes
nothing by itself and is used as a remediation to tell people about a noncompliant resource (the
message is usually built by the remediation from the resource's id). A topic that does not exist
fails the step with NotFound; SNS refuses an empty message (InvalidParameter). The MessageId SNS
answers is the runbook's only result. In a dry run nothing is published.
"""

from __future__ import annotations

from typing import Any

from roost.remediation.document import (
    DOCUMENTS,
    Automation,
    AutomationDocument,
    DocumentParameter,
    assume_role_parameter,
)

TOPIC_ARN_PATTERN = r"^arn:(aws[a-zA-Z-]*)?:sns:[a-z0-9-]+:\d{12}:[\w.-]{1,256}$"


@DOCUMENTS.register("AWS-PublishSNSNotification")
class PublishSNSNotification(AutomationDocument):
    name = "AWS-PublishSNSNotification"
    description = "Publish SNS Notification"
    parameters = (
        DocumentParameter(
            "TopicArn",
            "String",
            "(Required) The ARN of the SNS topic to publish the notification to.",
            allowed_pattern=TOPIC_ARN_PATTERN,
        ),
        DocumentParameter("Message", "String", "(Required) The message to include in the SNS notification."),
        assume_role_parameter(),
    )

    def run(self, automation: Automation, params: dict[str, Any]) -> None:
        with automation.step("PublishSNSNotification"):
            automation.write("sns", "publish", TopicArn=params["TopicArn"], Message=params["Message"])
