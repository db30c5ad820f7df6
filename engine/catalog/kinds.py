"""Every object kind beyond schemas, tables and their parts, read in one fixed set of queries."""

from __future__ import annotations

import psycopg
from msgspec import Struct

from .aggregates import Aggregate, read_aggregates
from .casts import Cast, Language, Transform, read_casts, read_languages, read_transforms
from .collations import Collation, Conversion, read_collations, read_conversions
from .defaultacl import DefaultAcl, read_default_acls
from .eventtriggers import EventTrigger, read_event_triggers
from .initacls import ChangedAcl
from .extconfig import ConfigRelation, read_config_relations
from .foreign import (
    ForeignDataWrapper, ForeignServer, ForeignTable, UserMapping, read_servers,
    read_user_mappings, read_wrappers,
)
from .largeobjects import LargeObject, read_large_objects
from .operators import (
    AccessMethod, Member, Operator, OperatorClass, OperatorFamily, read_access_methods, read_members,
    read_operator_classes, read_operator_families, read_operators,
)
from .replication import (
    Publication, PublicationSchema, PublicationTable, Subscription, read_publication_schemas,
    read_publications, read_subscriptions,
)
from .seclabels import SecurityLabel, read_security_labels
from .statistics import StatisticsObject
from .textsearch import TsConfig, TsDictionary, TsParser, TsTemplate, read_configs, read_dictionaries, read_parsers, read_templates
from .typedefs import BaseType, RangeType, ShellType, read_base_types, read_ranges, read_shell_types


class Kinds(Struct):
    ranges: list[RangeType]
    base_types: list[BaseType]
    shell_types: list[ShellType]
    collations: list[Collation]
    conversions: list[Conversion]
    aggregates: list[Aggregate]
    operators: list[Operator]
    operator_families: list[OperatorFamily]
    operator_classes: list[OperatorClass]
    operator_members: list[Member]
    casts: list[Cast]
    transforms: list[Transform]
    languages: list[Language]
    ts_parsers: list[TsParser]
    ts_templates: list[TsTemplate]
    ts_dictionaries: list[TsDictionary]
    ts_configs: list[TsConfig]
    event_triggers: list[EventTrigger]
    wrappers: list[ForeignDataWrapper]
    servers: list[ForeignServer]
    user_mappings: list[UserMapping]
    publications: list[Publication]
    publication_schemas: list[PublicationSchema]
    subscriptions: list[Subscription]
    large_objects: list[LargeObject]
    security_labels: list[SecurityLabel]
    default_acls: list[DefaultAcl]
    config_relations: list[ConfigRelation]
    access_methods: list[AccessMethod] = []
    changed_acls: list[ChangedAcl] = []  # system and extension objects' privileges (read_catalog)
    # Read once the tables are locked (read_catalog): their definitions name the tables'
    # columns, and deparsing reads the current catalog, not the snapshot.
    foreign_tables: list[ForeignTable] = []
    publication_tables: list[PublicationTable] = []
    statistics: list[StatisticsObject] = []


def read_kinds(conn: psycopg.Connection) -> Kinds:
    """Every other kind, but those that deparse what a table holds (see the fields' comment)."""
    families = read_operator_families(conn)
    classes = read_operator_classes(conn)
    family_oids = sorted({f.oid for f in families} | {c.family_oid for c in classes})
    return Kinds(
        ranges=read_ranges(conn),
        base_types=read_base_types(conn),
        shell_types=read_shell_types(conn),
        collations=read_collations(conn),
        conversions=read_conversions(conn),
        aggregates=read_aggregates(conn),
        operators=read_operators(conn),
        operator_families=families,
        operator_classes=classes,
        operator_members=read_members(conn, family_oids),
        casts=read_casts(conn),
        transforms=read_transforms(conn),
        languages=read_languages(conn),
        ts_parsers=read_parsers(conn),
        ts_templates=read_templates(conn),
        ts_dictionaries=read_dictionaries(conn),
        ts_configs=read_configs(conn),
        event_triggers=read_event_triggers(conn),
        wrappers=read_wrappers(conn),
        servers=read_servers(conn),
        user_mappings=read_user_mappings(conn),
        publications=read_publications(conn),
        publication_schemas=read_publication_schemas(conn),
        subscriptions=read_subscriptions(conn),
        large_objects=read_large_objects(conn),
        security_labels=read_security_labels(conn),
        default_acls=read_default_acls(conn),
        config_relations=read_config_relations(conn),
        access_methods=read_access_methods(conn),
    )
