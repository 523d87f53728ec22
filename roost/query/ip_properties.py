"""Properties AWS types `cidr_block` or `ip`, which the advanced query compares as address ranges.

From AWS's resource schema (github.com/awslabs/aws-config-resource-schema,
config/properties/resource-types/<type>.properties.json), for the types roost records
(roost/recorder/collectors/). Keyed by path: in those types a path is IP-typed wherever it occurs,
so the resource type does not matter (IP_PROPERTIES keeps it for the docs and the tests).

AWS: "CIDR notation is converted to IP ranges for search: `=` and `BETWEEN` search for any range
that includes the provided IP, instead of for an exact one"; the exact range takes extra
`NOT p < low AND NOT p > high` predicates. roost reads a stored value as the range of addresses it
covers (an address is a range of one) and a literal the same way (docs/query.md has the table):

* `p = 'addr'`: a stored range contains the address;
* `p = 'a.b.c.d/n'`: the stored range is that block exactly (AWS documents only addresses here;
  an exact block is what the string comparison roost did before meant, and what a user writing a
  block expects);
* `p BETWEEN x AND y`: a stored range contains every address from x to y (so that the AWS recipe
  BETWEEN + NOT < + NOT > selects the exact range);
* `p < x`, `p <= x`: the range starts before (or at) x; `p > y`, `p >= y`: it ends after (or at) y,
  where x is the literal's first address and y its last; only ranges of the literal's family (IPv4
  or IPv6) compare;
* `p != x`: a stored range that `p = x` does not match; `IN` is a list of `=`.

Each array element is a range on its own, and predicates are uncorrelated, as for any path.
"""

from __future__ import annotations

from roost.query.tree import invalid
from roost.store.properties import ip_range

_SG = "AWS::EC2::SecurityGroup"
_INSTANCE = "AWS::EC2::Instance"
_ENI = "AWS::EC2::NetworkInterface"
_VPC = "AWS::EC2::VPC"
_SUBNET = "AWS::EC2::Subnet"

#: (resource type, path) -> "cidr_block" or "ip".
IP_PROPERTIES: dict[tuple[str, str], str] = {
    **{
        (_SG, f"configuration.{rules}.{path}"): "cidr_block"
        for rules in ("ipPermissions", "ipPermissionsEgress")
        for path in ("ipRanges", "ipv4Ranges.cidrIp", "ipv6Ranges.cidrIpv6")
    },
    (_VPC, "configuration.cidrBlock"): "cidr_block",
    (_VPC, "configuration.cidrBlockAssociationSet.cidrBlock"): "cidr_block",
    (_VPC, "configuration.ipv6CidrBlockAssociationSet.ipv6CidrBlock"): "cidr_block",
    (_SUBNET, "configuration.cidrBlock"): "cidr_block",
    (_SUBNET, "configuration.ipv6CidrBlockAssociationSet.ipv6CidrBlock"): "cidr_block",
    (_INSTANCE, "configuration.privateIpAddress"): "ip",
    (_INSTANCE, "configuration.publicIpAddress"): "ip",
    (_INSTANCE, "configuration.networkInterfaces.privateIpAddress"): "ip",
    (_INSTANCE, "configuration.networkInterfaces.privateIpAddresses.privateIpAddress"): "ip",
    (_INSTANCE, "configuration.networkInterfaces.privateIpAddresses.association.publicIp"): "ip",
    (_INSTANCE, "configuration.networkInterfaces.privateIpAddresses.association.carrierIp"): "ip",
    (_INSTANCE, "configuration.networkInterfaces.association.carrierIp"): "ip",
    (_INSTANCE, "configuration.networkInterfaces.ipv6Addresses.ipv6Address"): "ip",
    (_ENI, "configuration.privateIpAddress"): "ip",
    (_ENI, "configuration.association.publicIp"): "ip",
    (_ENI, "configuration.association.carrierIp"): "ip",
    (_ENI, "configuration.association.customerOwnedIp"): "ip",
    (_ENI, "configuration.privateIpAddresses.privateIpAddress"): "ip",
    (_ENI, "configuration.privateIpAddresses.association.publicIp"): "ip",
    (_ENI, "configuration.privateIpAddresses.association.carrierIp"): "ip",
    (_ENI, "configuration.privateIpAddresses.association.customerOwnedIp"): "ip",
    (_ENI, "configuration.ipv6Addresses.ipv6Address"): "ip",
}

IP_PATHS: frozenset[str] = frozenset(path for _, path in IP_PROPERTIES)


def is_ip_property(name: str) -> bool:
    return name in IP_PATHS


def literal_range(name: str, value: object) -> tuple[str, str]:
    """The range of a literal compared with the IP property `name`; InvalidExpressionException if none."""
    bounds = ip_range(value) if isinstance(value, str) else None
    if bounds is None:
        raise invalid(
            f"{value!r} is not an IP address or CIDR block: {name} is an IP property "
            "(compare it with '10.0.0.1', '10.0.0.0/24' or '2001:db8::/32')."
        )
    return bounds
