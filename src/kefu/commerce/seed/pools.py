"""Pools of Chinese names, streets and companies, built once per seed with a seeded Faker('zh_CN').

Faker is only used here, to fill pools; every per-row choice afterwards is made by the generator's own
random.Random(seed), so the rows are a pure function of (seed, anchor, scale). Drawing from pools is
also far faster than calling Faker a million times.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

from .geo import CITIES


@dataclass(frozen=True)
class Pools:
    surnames: tuple[str, ...]
    given_names: tuple[str, ...]
    streets: tuple[str, ...]
    companies: tuple[str, ...]
    banks: tuple[str, ...]
    email_users: tuple[str, ...]


def build_pools(seed: int) -> Pools:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    # last_name() follows real surname frequencies, so repeats in the pool are intended (王, 李, 张 …).
    surnames = tuple(fake.last_name() for _ in range(600))
    given = tuple(fake.first_name() for _ in range(1200))
    streets = tuple(dict.fromkeys(fake.street_name() for _ in range(600)))
    prefixes = [p for p in dict.fromkeys(fake.company_prefix() for _ in range(400)) if "公司" not in p]
    suffixes = [fake.company_suffix() for _ in range(400)]
    companies = []
    for i, prefix in enumerate(prefixes):
        city = CITIES[i % len(CITIES)].city.removesuffix("市")
        companies.append(f"{city}{prefix}{suffixes[i]}")
    banks = tuple(dict.fromkeys(fake.bank() for _ in range(200)))
    email_users = tuple(dict.fromkeys(fake.user_name() for _ in range(2000)))
    return Pools(surnames, given, streets, tuple(dict.fromkeys(companies)), banks, email_users)
