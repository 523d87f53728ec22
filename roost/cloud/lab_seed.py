"""The lab's resources (../shared/lab/LAB.md), created in a sandbox account.

In us-east-1 and ap-northeast-2: a security group `unrestricted-ssh` with TCP 22 open to 0.0.0.0/0,
RDS instances on `rds-ca-2019` and on an older certificate authority, a VPC with a subnet, an
internet gateway and an instance. Once per account (IAM is global): users with and without an MFA
device. In us-east-1: an S3 bucket of data and the bucket the delivery channel writes to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

from roost.cloud.sessions import client_config

LAB_REGIONS = ("us-east-1", "ap-northeast-2")
USERS_WITH_MFA = ("alice",)
USERS_WITHOUT_MFA = ("bob", "carol")


def delivery_bucket_name(account_id: str) -> str:
    return f"config-bucket-{account_id}"


@dataclass
class LabResources:
    account_id: str
    users: dict[str, bool] = field(default_factory=dict)
    """user name -> has an MFA device"""
    buckets: list[str] = field(default_factory=list)
    security_groups: dict[str, str] = field(default_factory=dict)
    """region -> id of the `unrestricted-ssh` group"""
    db_instances: dict[str, list[str]] = field(default_factory=dict)
    """region -> DB instance identifiers"""
    vpcs: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)


def _client(endpoint_url: str, service: str, region: str, credentials: dict[str, str]) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        config=client_config(max_attempts=2),
        **credentials,
    )


def _image_id(ec2: Any) -> str:
    # Filter on the server: an unfiltered DescribeImages returns over a thousand AMIs in moto.
    amazon_linux = [{"Name": "name", "Values": ["amzn2-ami-*"]}]
    images = ec2.describe_images(Owners=["amazon"], Filters=amazon_linux)["Images"]
    if not images:
        images = ec2.describe_images(Owners=["amazon"])["Images"]
    return str(images[0]["ImageId"])


def seed_lab(
    endpoint_url: str,
    *,
    account_id: str = "123456789012",
    regions: tuple[str, ...] = LAB_REGIONS,
    access_key_id: str = "test",
    secret_access_key: str = "test",
) -> LabResources:
    credentials = {"aws_access_key_id": access_key_id, "aws_secret_access_key": secret_access_key}
    lab = LabResources(account_id=account_id)

    iam = _client(endpoint_url, "iam", regions[0], credentials)
    for name in USERS_WITH_MFA + USERS_WITHOUT_MFA:
        iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "lab"}])
        lab.users[name] = name in USERS_WITH_MFA
    for name in USERS_WITH_MFA:
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{name}-mfa")["VirtualMFADevice"]
        iam.enable_mfa_device(
            UserName=name,
            SerialNumber=device["SerialNumber"],
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )

    s3 = _client(endpoint_url, "s3", regions[0], credentials)
    for bucket in (f"lab-data-{account_id}", delivery_bucket_name(account_id)):
        s3.create_bucket(Bucket=bucket)
        lab.buckets.append(bucket)

    for region in regions:
        ec2 = _client(endpoint_url, "ec2", region, credentials)
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "lab-vpc"}])
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        # In the default VPC, as the console creates it (AWS-DisablePublicAccessForSecurityGroup fails on
        # a group of another VPC that lacks any of its four patterns, as the lab's group does).
        group = ec2.create_security_group(
            GroupName="unrestricted-ssh", Description="SSH open to the world (lab)"
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        instance = ec2.run_instances(
            ImageId=_image_id(ec2),
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet,
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "lab-instance"}]}
            ],
        )["Instances"][0]["InstanceId"]
        lab.vpcs[region] = vpc
        lab.security_groups[region] = group
        lab.instances[region] = instance

        rds = _client(endpoint_url, "rds", region, credentials)
        lab.db_instances[region] = []
        for identifier, authority in (("lab-db-ca-2019", "rds-ca-2019"), ("lab-db-ca-2015", "rds-ca-2015")):
            rds.create_db_instance(
                DBInstanceIdentifier=identifier,
                DBInstanceClass="db.t3.micro",
                Engine="mysql",
                AllocatedStorage=20,
                MasterUsername="admin",
                MasterUserPassword="lab-password-1",
                CACertificateIdentifier=authority,
                VpcSecurityGroupIds=[group],
            )
            lab.db_instances[region].append(identifier)
    return lab
