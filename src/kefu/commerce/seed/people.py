"""Customers (with logins, addresses and enterprise qualifications) and the staff accounts to log in with.

Customers' User rows are written in bulk with one precomputed password hash shared by every seeded
customer (hashing 200,000 passwords would take a day of CPU); staff accounts are few and go through the
ORM and `core.roles`.
"""

from __future__ import annotations

import math
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from django.contrib.auth import get_user_model

from kefu.core import roles

from .context import DAY, SeedContext, money, to_datetime
from .geo import CITIES, COMPOUNDS

DEMO_PASSWORD = "kefu-demo-2026"
# The demo customer of the hand-picked story logs in with this number (China Mobile's famous test line);
# generated customers never get a 138 number, so it cannot collide.
STORY_PHONE = "13800138000"
# Seeded staff accounts carry this e-mail domain, so --flush deletes them and nobody else's account.
STAFF_EMAIL_DOMAIN = "seed.kefu.invalid"

STAFF_NAMES = {
    roles.PRESALE_AGENT: "周晓梅",
    roles.AFTERSALE_AGENT: "丁康",  # the agent who answered the diamond customer's call [seed 002]
    roles.SUPERVISOR: "李绪勇",  # the call centre's head [seed 002]
    roles.CARE_TEAM: "陈静",
    roles.WAREHOUSE: "王磊",
    roles.OPERATIONS: "刘洋",
    roles.ADMIN: "系统管理员",
}

# Mainland mobile prefixes in use (1[3-9]x); 138 is reserved for the story customer.
_MOBILE_BLOCKS = {
    "13": "012345679",
    "15": "012356789",
    "16": "6",
    "17": "01235678",
    "18": "0123456789",
    "19": "1356789",
}
MOBILE_PREFIXES = tuple(f"{head}{tail}" for head, tails in _MOBILE_BLOCKS.items() for tail in tails)
_CITY_CUM = tuple(accumulate(c.weight for c in CITIES))
_AREA_CODES = {
    "北京市": "010",
    "上海市": "021",
    "天津市": "022",
    "重庆市": "023",
    "广州市": "020",
    "深圳市": "0755",
    "南京市": "025",
    "苏州市": "0512",
    "杭州市": "0571",
    "武汉市": "027",
    "成都市": "028",
    "西安市": "029",
    "宿迁市": "0527",
}
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the alphabet of the unified social credit code


def where_for(role: str) -> str:
    if role == roles.CUSTOMER:
        return "/"
    if roles.WAREHOUSE_DESK in roles.PERMISSIONS[role] and roles.WORKBENCH not in roles.PERMISSIONS[role]:
        return "/workbench/warehouse/"
    if roles.WORKBENCH in roles.PERMISSIONS[role]:
        return "/workbench/"
    if role in roles.ADMIN_SITE_ROLES:
        return "/admin/"
    return "/workbench/"


def demo_accounts() -> list[dict[str, str]]:
    """The logins the demo prints: one per staff role, `admin` (superuser), and the story's customer."""
    accounts = [
        {"role": role, "username": role, "password": DEMO_PASSWORD, "where": where_for(role)}
        for role in roles.STAFF_ROLES
    ]
    accounts.append(
        {
            "role": roles.CUSTOMER,
            "username": STORY_PHONE,
            "password": DEMO_PASSWORD,
            "where": where_for(roles.CUSTOMER),
        }
    )
    return accounts


def accounts_table(base_url: str = "") -> str:
    """The logins to print, one per line: role, username, password, where (prefixed with base_url)."""
    rows = [f"{'role':<18}{'username':<16}{'password':<18}where"]
    rows += [f"{a['role']:<18}{a['username']:<16}{a['password']:<18}{base_url}{a['where']}" for a in demo_accounts()]
    return "\n".join(rows)


def create_staff_accounts(password_hash: str, joined_at) -> tuple[list[str], list[str]]:
    """One account per staff role (username = role name), `admin` a superuser. Returns (created, kept).

    An account of that name that the seed did not make is left alone, password and all.
    """
    User = get_user_model()
    created, kept = [], []
    for role in roles.STAFF_ROLES:
        existing = User.objects.filter(username=role).first()
        if existing is not None:
            kept.append(role)
            continue
        user = User(
            username=role,
            password=password_hash,
            first_name=STAFF_NAMES.get(role, role),
            email=f"{role}@{STAFF_EMAIL_DOMAIN}",
            date_joined=joined_at,
            is_superuser=role == roles.ADMIN,
            is_staff=role == roles.ADMIN,
        )
        user.save()
        roles.grant(user, role)
        created.append(role)
    return created, kept


@dataclass(frozen=True)
class AddressRef:
    recipient: str
    phone: str
    city: str
    district: str
    full: str  # as printed on the order


@dataclass
class Person:
    """A customer while their orders are generated; the customer row is emitted afterwards."""

    index: int
    id: int
    user_id: int
    name: str
    phone: str
    addresses: list[AddressRef]
    qualification_id: int | None = None
    company: str = ""


class PeopleMaker:
    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        rng = ctx.rng
        modulus = len(MOBILE_PREFIXES) * 10**8
        a = rng.randrange(modulus // 3, modulus)
        while math.gcd(a, modulus) != 1:
            a += 1
        self._phone_a, self._phone_b, self._phone_mod = a, rng.randrange(modulus), modulus

    # --- pieces ------------------------------------------------------------------------------------------
    def phone_for(self, index: int) -> str:
        """Customer number `index` always gets the same number, and no two indexes share one."""
        x = (self._phone_a * index + self._phone_b) % self._phone_mod
        return f"{MOBILE_PREFIXES[x // 10**8]}{x % 10**8:08d}"

    def random_mobile(self) -> str:
        rng = self.ctx.rng
        return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"

    def name(self) -> str:
        rng, pools = self.ctx.rng, self.ctx.pools
        return rng.choice(pools.surnames) + rng.choice(pools.given_names)

    def street_address(self) -> str:
        rng, pools = self.ctx.rng, self.ctx.pools
        street = f"{rng.choice(pools.streets)}{rng.randint(1, 999)}号"
        kind = rng.random()
        if kind < 0.65:
            return (
                f"{street}{rng.choice(COMPOUNDS)}{rng.randint(1, 36)}栋{rng.randint(1, 6)}单元"
                f"{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
            )
        if kind < 0.9:
            return f"{street}{rng.choice(COMPOUNDS)}{rng.randint(1, 20)}号楼{rng.randint(101, 2808)}"
        return f"{street}{rng.choice(('科技大厦', '国际商务中心', '创业园', '写字楼'))}{rng.randint(2, 30)}层"

    # --- a customer --------------------------------------------------------------------------------------
    def make(
        self,
        index: int,
        *,
        name: str | None = None,
        phone: str | None = None,
        home: tuple[str, str, str, str] | None = None,
        enterprise: bool = False,
    ) -> Person:
        """Allocate the customer's ids and emit their addresses (and qualification) now."""
        ctx, rng = self.ctx, self.ctx.rng
        name = name or self.name()
        phone = phone or self.phone_for(index)
        person = Person(
            index=index,
            id=ctx.new_id("customer"),
            user_id=ctx.new_id("user"),
            name=name,
            phone=phone,
            addresses=[],
        )
        n_addresses = 1 if home else rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0]
        for k in range(n_addresses):
            if k == 0 and home:
                province, city, district, detail = home
            else:
                c = CITIES[bisect(_CITY_CUM, rng.random() * _CITY_CUM[-1])]
                province, city, district, detail = (
                    c.province,
                    c.city,
                    rng.choice(c.districts),
                    self.street_address(),
                )
            recipient, rphone = (name, phone) if k == 0 or rng.random() < 0.5 else (self.name(), self.random_mobile())
            city_part = "" if city == province else city
            ref = AddressRef(recipient, rphone, city, district, f"{province}{city_part}{district}{detail}")
            person.addresses.append(ref)
            ctx.emit(
                "address",
                (
                    ctx.new_id("address"),
                    person.id,
                    recipient,
                    rphone,
                    province,
                    city,
                    district,
                    detail,
                    k == 0,
                ),
            )
        if enterprise:
            self._qualification(person)
        return person

    def _qualification(self, person: Person) -> None:
        """The four documents of FAQ 5: general-taxpayer certificate, business licence, tax registration
        certificate and bank-account permit (since 三证合一 the licence number is the credit code)."""
        ctx, rng = self.ctx, self.ctx.rng
        company = rng.choice(ctx.pools.companies)
        credit_code = "91" + "".join(rng.choice(_USCC_CHARS) for _ in range(16))
        city = person.addresses[0].city
        area = _AREA_CODES.get(city, f"0{rng.randint(310, 999)}")
        pk = ctx.new_id("qualification")
        ctx.emit(
            "qualification",
            (
                pk,
                person.id,
                company,
                credit_code,
                f"{city}{self.street_address()}",
                f"{area}-{rng.randint(5, 8)}{rng.randrange(10**7):07d}",
                f"{rng.choice(ctx.pools.banks)}{city.removesuffix('市')}分行",
                f"62{rng.randrange(10**17):017d}",
                f"一般纳税人资格 {city.removesuffix('市')}税认〔{rng.randint(2015, 2024)}〕{rng.randint(100, 9999)}号",
                credit_code,
                f"税字 {credit_code}",
                f"J{rng.randrange(10**13):013d}",
            ),
        )
        person.qualification_id, person.company = pk, company

    def finish(
        self, person: Person, *, first_order_ts: int | None, spend_cents: int, tier: str, email: str = ""
    ) -> None:
        """Emit the login, the group membership and the customer row, now that the orders are known."""
        ctx, rng = self.ctx, self.ctx.rng
        earliest = first_order_ts if first_order_ts is not None else ctx.anchor_ts - rng.randint(1, 700) * DAY
        created = to_datetime(
            max(earliest - rng.randint(1, 400) * DAY - rng.randint(0, DAY - 1), ctx.anchor_ts - 6 * 365 * DAY)
        )
        if not email and rng.random() < 0.4:
            user = rng.choice(ctx.pools.email_users)
            email = (
                f"{rng.randint(10**5, 10**10)}@qq.com"
                if rng.random() < 0.5
                else f"{user}{rng.randint(1, 999)}@{rng.choice(('163.com', '126.com', 'sina.com'))}"
            )
        ctx.emit(
            "user",
            (
                person.user_id,
                ctx.password_hash,
                None,
                False,
                person.phone,
                person.name[:150],
                "",
                email,
                False,
                True,
                created,
            ),
        )
        ctx.emit("user_groups", (ctx.new_id("user_groups"), person.user_id, ctx.customer_group_id))
        ctx.emit(
            "customer",
            (
                person.id,
                person.user_id,
                person.name,
                person.phone,
                email,
                tier,
                money(spend_cents),
                to_datetime(ctx.anchor_ts),
                created,
            ),
        )
