"""Typed records of what the catalog holds; one Struct per object family.

A record holds values and other records, never itself: no cycle is possible, so none of them
(10^5 on a large schema) is tracked by the garbage collector (gc=False).
"""

from __future__ import annotations

from msgspec import Struct


class Schema(Struct, frozen=True, gc=False):
    oid: int
    name: str
    owner: str
    acl: list[str] | None
    comment: str | None


class Extension(Struct, frozen=True, gc=False):
    oid: int
    name: str
    schema: str
    version: str
    comment: str | None


class EnumType(Struct, frozen=True, gc=False):
    oid: int
    schema: str
    name: str
    owner: str
    labels: list[str]
    acl: list[str] | None
    comment: str | None


class CompositeAttribute(Struct, frozen=True, gc=False):
    name: str
    type: str
    collation: str | None
    comment: str | None = None  # COMMENT ON COLUMN type.attribute


class CompositeType(Struct, frozen=True, gc=False):
    oid: int
    schema: str
    name: str
    owner: str
    attributes: list[CompositeAttribute]
    acl: list[str] | None
    comment: str | None


class DomainConstraint(Struct, frozen=True, gc=False):
    oid: int  # pg_depend knows the constraint, not the domain, as depending on e.g. a function
    name: str
    definition: str
    validated: bool
    comment: str | None = None


class Domain(Struct, frozen=True, gc=False):
    oid: int
    schema: str
    name: str
    owner: str
    base_type: str
    collation: str | None
    default: str | None
    notnull: bool
    constraints: list[DomainConstraint]
    acl: list[str] | None
    comment: str | None


class Function(Struct, frozen=True, gc=False):
    oid: int
    schema: str
    name: str
    owner: str
    kind: str  # prokind: f function, p procedure, w window (a aggregates are not here)
    identity_args: str
    definition: str  # pg_get_functiondef
    acl: list[str] | None
    comment: str | None


class Column(Struct, frozen=True, gc=False):
    attnum: int
    name: str
    type: str
    notnull: bool
    notnull_name: str | None  # PostgreSQL 18: named NOT NULL constraints
    default: str | None
    identity: str  # '' | 'a' (ALWAYS) | 'd' (BY DEFAULT)
    generated: str  # '' | 's' (STORED) | 'v' (VIRTUAL, 18)
    collation: str | None
    is_local: bool
    storage: str | None  # set only where it differs from the type's default
    compression: str | None
    stattarget: int | None
    options: list[str] | None
    acl: list[str] | None
    comment: str | None
    default_oid: int | None = None  # pg_attrdef row: a default can be split from its table
    inhcount: int = 0  # attinhcount: how many parents this column comes from
    # PostgreSQL 18: the NOT NULL constraint's own properties (pg_constraint contype 'n').
    notnull_validated: bool = True
    notnull_noinherit: bool = False
    notnull_local: bool = True
    type_oid: int = 0  # atttypid and attcollation: what an index's plain text is checked against
    collation_oid: int = 0


class Relation(Struct, frozen=True, gc=False):
    """A relation as a backup first sees it: what choosing and locking it takes. The rest
    (a Table) is read once the chosen tables are locked."""

    oid: int
    schema: str
    name: str
    relkind: str
    parents: list[int]  # pg_inherits, in inhseqno order
    partition: bool  # relispartition


class Table(Struct, frozen=True, gc=False):
    oid: int
    schema: str
    name: str
    relkind: str  # r table, p partitioned, v view, m matview, f foreign table
    rowtype: int  # reltype: dependencies on the row type are dependencies on the table
    owner: str
    persistence: str  # p permanent, u unlogged
    columns: list[Column]
    parents: list[int]  # pg_inherits, in inhseqno order
    partition_key: str | None
    partition_bound: str | None
    reloptions: list[str] | None
    access_method: str | None
    view_definition: str | None
    replica_identity: str
    rls_enabled: bool
    rls_forced: bool
    of_type: str | None
    pages: int
    size_bytes: int
    acl: list[str] | None
    comment: str | None
    # pg_class.reltablespace by name: '' the database's default, None a relation without storage
    # of its own to place (view, foreign table), as pg_dump's getTables() records it.
    tablespace: str | None = None


class Constraint(Struct, frozen=True, gc=False):
    oid: int
    table_oid: int
    name: str
    contype: str  # c check, f foreign key, p primary key, u unique, x exclusion, t trigger
    definition: str
    is_local: bool
    validated: bool
    index_oid: int | None
    parent_oid: int | None  # conparentid: constraint of a partitioned parent
    ref_table_oid: int | None
    comment: str | None


class Index(Struct, frozen=True, gc=False):
    oid: int
    table_oid: int
    schema: str
    name: str
    definition: str
    constraint_oid: int | None
    parent_oid: int | None  # the partitioned index this one is attached to
    clustered: bool
    comment: str | None
    replident: bool = False  # REPLICA IDENTITY USING INDEX
    reloptions: list[str] | None = None
    stattargets: list[str] = []  # 'attnum target' for index columns with a statistics target
    tablespace: str = ""  # pg_class.reltablespace by name; '' the database's default


class Sequence(Struct, frozen=True, gc=False):
    oid: int
    schema: str
    name: str
    owner: str
    data_type: str
    start: int
    increment: int
    minimum: int
    maximum: int
    cache: int
    cycle: bool
    owned_by_table: int | None
    owned_by_column: str | None
    identity: bool
    last_value: int | None
    is_called: bool
    persistence: str | None  # p logged, u unlogged (15+); None before 15, where every sequence is logged
    acl: list[str] | None
    comment: str | None


class Trigger(Struct, frozen=True, gc=False):
    oid: int
    table_oid: int
    name: str
    definition: str
    enabled: str  # O origin, D disabled, R replica, A always
    constraint_oid: int | None
    comment: str | None
    cloned: bool = False  # on a partition, from its parent's trigger: only its state is dumped


class Rule(Struct, frozen=True, gc=False):
    """pg_rewrite: a view's _RETURN rule (its definition) or a CREATE RULE."""

    oid: int
    table_oid: int
    name: str
    definition: str  # pg_get_ruledef
    enabled: str  # ev_enabled: O origin, D disabled, R replica, A always
    comment: str | None


class Policy(Struct, frozen=True, gc=False):
    oid: int
    table_oid: int
    name: str
    permissive: bool
    command: str
    roles: list[str]
    using: str | None
    with_check: str | None
    comment: str | None


# One pg_depend edge: (dependent, referenced), identities as 'catalog:oid' keys, subobjects
# folded into their owners. A plain tuple: 10^5 of them, used as set members and dict keys.
Dependency = tuple[str, str]
