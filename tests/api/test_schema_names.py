"""django-ninja names OpenAPI components after the schema class: two apps declaring the same class
name would silently share one component, and the documented shape of one of them would be wrong."""

from collections import defaultdict

from ninja import Schema

import kefu.api  # noqa: F401  (imports every router and its schemas)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_api_schema_has_its_own_name():
    modules_by_name = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("kefu."):
            modules_by_name[schema.__name__].add(schema.__module__)
    shared = {name: sorted(mods) for name, mods in modules_by_name.items() if len(mods) > 1}
    assert shared == {}
