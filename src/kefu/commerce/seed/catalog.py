"""The demo catalog: sellers, carriers, categories, products and SKUs covering the source documents' cases.

The catalog is the same for every seed and scale (it is small and hand-made); only the customers and
orders vary. Each entry says which case it stands for, e.g. the laptop whose RAM the buyers asked for
[seed 004], the 200-yuan computer desk and the mangosteen [seed 000], the imported milk powder sold by a
third-party seller and shipped by a third-party courier [seed 002].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Carrier, Category, Product, Seller, Sku

SELF = Seller.Kind.SELF_OPERATED
THIRD = Seller.Kind.THIRD_PARTY

SELLERS = (
    # code, name, kind, share of orders (%)
    ("jd_self", "京东自营", SELF, 72),
    ("yintai_home", "印泰家居饰品旗舰店", THIRD, 6),
    ("tiantian_fruit", "天天果园官方旗舰店", THIRD, 7),
    ("haiwai_baby", "海外母婴专营店", THIRD, 9),
    ("shuma_acc", "优品数码配件专营店", THIRD, 6),
)

CARRIERS = (
    # code, name, own fleet, tracking-number prefix
    ("jd", "京东物流", True, "JDX"),
    ("sf", "顺丰速运", False, "SF1"),
    ("zto", "中通快递", False, "7"),
    ("yto", "圆通速递", False, "YT7"),
    ("yunda", "韵达快递", False, "43"),
    ("ems", "中国邮政EMS", False, "98"),
)

# Which couriers each seller uses (weights). The milk-powder shop never uses our own fleet [seed 002].
SELLER_CARRIERS = {
    "jd_self": (("jd", 100),),
    "yintai_home": (("sf", 40), ("zto", 20), ("yto", 20), ("yunda", 20)),
    "tiantian_fruit": (("sf", 55), ("jd", 45)),
    "haiwai_baby": (("zto", 35), ("yto", 25), ("yunda", 25), ("ems", 15)),
    "shuma_acc": (("yunda", 30), ("zto", 30), ("yto", 20), ("jd", 20)),
}

CATEGORIES = (
    # code, name, parent
    ("digital", "手机数码", None),
    ("phone", "手机", "digital"),
    ("av", "影音娱乐", "digital"),
    ("computer", "电脑办公", None),
    ("laptop", "笔记本电脑", "computer"),
    ("pc_accessory", "电脑配件", "computer"),
    ("software", "软件", "computer"),
    ("appliance", "家用电器", None),
    ("air_conditioner", "空调", "appliance"),
    ("washer", "洗衣机", "appliance"),
    ("furniture", "家具", None),
    ("desk", "电脑桌/书桌", "furniture"),
    ("home_decor", "家居饰品", None),
    ("fresh", "生鲜", None),
    ("fruit", "水果", "fresh"),
    ("baby", "母婴", None),
    ("milk_powder", "奶粉", "baby"),
    ("books", "图书", None),
    ("book", "图书", "books"),
    ("periodical", "报刊杂志", "books"),
    ("ebook", "电子书", "books"),
    ("jewellery", "珠宝首饰", None),
    ("daily", "日用百货", None),
)


@dataclass(frozen=True)
class SkuSpec:
    suffix: str
    spec: str
    price: str
    version: str = ""
    stock: int = 500


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    brand: str
    category: str
    seller: str
    selling_points: tuple[str, ...]
    skus: tuple[SkuSpec, ...]
    weight: int = 10  # popularity within its seller
    flags: dict[str, bool] = field(default_factory=dict)
    warranty_days: int = 0
    max_qty: int = 1  # most units of one SKU on one order line
    premium: bool = False  # what the big spenders buy


_3C = {"sanbao_applies": True}

PRODUCTS: tuple[ProductSpec, ...] = (
    # --- 3C, self-operated --------------------------------------------------------------------------------
    ProductSpec(
        "LT-XX14",
        "联想小新 Pro 14 轻薄笔记本电脑",
        "联想",
        "laptop",
        "jd_self",
        (
            "2.8K 120Hz 高刷护眼屏",
            "锐龙 7 处理器，多核性能强",
            "8GB / 16GB 内存可选，多开不卡顿",
            "1.46kg 轻薄机身，全天续航",
        ),
        # Buyers said the 8 GB model "runs slow", so a 16 GB SKU sits beside it [seed 004]; 3299 is the
        # price a competitor undercut with 3069 [seed 004].
        (SkuSpec("8G", "8GB+512GB 锐龙版", "3299.00"), SkuSpec("16G", "16GB+512GB 锐龙版", "3899.00")),
        weight=6,
        flags=_3C,
        warranty_days=365,
        premium=True,
    ),
    ProductSpec(
        "LT-MBXP",
        "华为 MateBook X Pro 2024 笔记本电脑",
        "华为",
        "laptop",
        "jd_self",
        ("980g 超轻机身", "3.1K OLED 原色屏", "酷睿 Ultra 9 处理器", "多屏协同，手机电脑无缝流转"),
        (SkuSpec("16G", "16GB+1TB 墨蓝", "8999.00"), SkuSpec("32G", "32GB+2TB 砚黑", "11999.00")),
        weight=2,
        flags=_3C,
        warranty_days=365,
        premium=True,
    ),
    ProductSpec(
        "PH-MATE60",
        "华为 Mate 60 Pro 手机",
        "华为",
        "phone",
        "jd_self",
        ("卫星通话，无网也能联系", "昆仑玻璃，耐摔", "超光变 XMAGE 影像"),
        (SkuSpec("256", "12GB+256GB 雅川青", "6499.00"), SkuSpec("512", "12GB+512GB 雅丹黑", "6999.00")),
        weight=4,
        flags=_3C,
        warranty_days=365,
        premium=True,
    ),
    ProductSpec(
        "PH-MI14",
        "小米 14 手机",
        "小米",
        "phone",
        "jd_self",
        ("徕卡光学镜头", "骁龙 8 Gen 3", "90W 有线快充"),
        (SkuSpec("256", "12GB+256GB 黑色", "3999.00"), SkuSpec("512", "16GB+512GB 白色", "4599.00")),
        weight=5,
        flags=_3C,
        warranty_days=365,
    ),
    ProductSpec(
        "PH-IP15P",
        "Apple iPhone 15 Pro 手机",
        "Apple",
        "phone",
        "jd_self",
        ("钛金属设计", "A17 Pro 芯片", "USB-C 接口"),
        (SkuSpec("256", "256GB 原色钛金属", "7999.00"), SkuSpec("512", "512GB 黑色钛金属", "9999.00")),
        weight=4,
        flags=_3C,
        warranty_days=365,
        premium=True,
    ),
    ProductSpec(
        "AV-DVD",
        "先科 高清 DVD 播放机",
        "先科",
        "av",
        "jd_self",
        # The DVD player whose buyers need help connecting it to the TV [seed 000 §1.2.5].
        ("HDMI 高清输出，连接电视更清晰", "兼容 DVD / VCD / CD / U 盘播放", "中文菜单，老人也会用"),
        (SkuSpec("STD", "标准版（含 HDMI 线）", "199.00"),),
        weight=4,
        flags=_3C,
        warranty_days=365,
        max_qty=2,
    ),
    # --- appliances that need installation [FAQ 9] --------------------------------------------------------
    ProductSpec(
        "AC-GREE15",
        "格力 云佳 新一级能效 变频冷暖 挂机空调",
        "格力",
        "air_conditioner",
        "jd_self",
        ("新一级能效，省电", "56℃ 净菌自洁", "整机六年保修，厂家上门安装"),
        (SkuSpec("1.5P", "1.5匹 挂机", "2999.00"), SkuSpec("1P", "大1匹 挂机", "2599.00")),
        weight=3,
        flags={**_3C, "installation_required": True},
        warranty_days=2190,
        premium=True,
    ),
    ProductSpec(
        "WM-HAIER10",
        "海尔 10 公斤 变频滚筒洗衣机",
        "海尔",
        "washer",
        "jd_self",
        ("1.08 高洗净比", "智能投放洗涤剂", "除菌率 99.9%", "送货入户，厂家安装调试"),
        (SkuSpec("WASH", "10公斤 滚筒", "2199.00"), SkuSpec("DRY", "10公斤 洗烘一体", "2999.00")),
        weight=3,
        flags={**_3C, "installation_required": True},
        warranty_days=1095,
        premium=True,
    ),
    # --- the 200-yuan computer desk [seed 000] ------------------------------------------------------------
    ProductSpec(
        "DESK-100",
        "简约台式电脑桌 家用书桌",
        "林氏家居",
        "desk",
        "jd_self",
        ("E1 级环保板材", "加厚钢架，稳固不晃", "免工具快装"),
        (SkuSpec("100", "100cm 胡桃色", "200.00"), SkuSpec("120", "120cm 白橡色", "259.00")),
        weight=6,
        max_qty=2,
    ),
    # --- books and periodicals, software, digital downloads -----------------------------------------------
    ProductSpec(
        "BK-SANTI",
        "三体（全三册）",
        "重庆出版社",
        "book",
        "jd_self",
        ("雨果奖获奖作品", "刘慈欣代表作", "纪念版精装"),
        (SkuSpec("SET", "平装 全三册", "68.40"),),
        weight=20,
        max_qty=3,
    ),
    ProductSpec(
        "BK-SAPIENS",
        "人类简史：从动物到上帝",
        "中信出版社",
        "book",
        "jd_self",
        ("全球畅销书", "尤瓦尔·赫拉利 著", "新版修订"),
        (SkuSpec("PB", "平装", "68.00"),),
        weight=12,
        max_qty=3,
    ),
    ProductSpec(
        "PR-DUZHE",
        "《读者》杂志 2026 年全年订阅",
        "读者出版传媒",
        "periodical",
        "jd_self",
        ("全年 24 期，按期邮寄到家", "中国期刊第一品牌"),
        (SkuSpec("Y2026", "全年 24 期", "144.00"),),
        weight=6,
        flags={"is_periodical": True},
    ),
    ProductSpec(
        "PR-DILI",
        "《中国国家地理》单期杂志",
        "中国国家地理杂志社",
        "periodical",
        "jd_self",
        ("国家地理出品，图片精美", "每期专题深度报道"),
        (SkuSpec("M01", "当月刊", "25.00"),),
        weight=6,
        flags={"is_periodical": True},
        max_qty=3,
    ),
    ProductSpec(
        "SW-OFFICE",
        "微软 Office 家庭和学生版 盒装",
        "微软",
        "software",
        "jd_self",
        # Software with versions: past buyers hear about upgrades [seed 000, seed 002].
        ("Word / Excel / PowerPoint 永久授权", "一次购买，终身使用", "支持 Windows 与 Mac"),
        (
            SkuSpec("2021", "盒装 永久授权", "748.00", version="2021"),
            SkuSpec("2024", "盒装 永久授权", "798.00", version="2024"),
        ),
        weight=3,
        flags={"is_sealed_av_software": True},
    ),
    ProductSpec(
        "AV-CDJAY",
        "周杰伦《最伟大的作品》正版 CD 专辑",
        "杰威尔音乐",
        "av",
        "jd_self",
        ("正版实体 CD，塑封", "附歌词本与写真"),
        (SkuSpec("CD", "CD 专辑", "128.00"),),
        weight=4,
        flags={"is_sealed_av_software": True},
    ),
    ProductSpec(
        "EB-SANTI",
        "三体 电子书（京东读书）",
        "重庆出版社",
        "ebook",
        "jd_self",
        ("下单即可在京东读书阅读", "支持手机、平板、电脑同步"),
        (SkuSpec("EPUB", "电子版", "19.99", stock=0),),
        weight=5,
        flags={"is_digital_download": True},
    ),
    # --- declared non-returnable: returnable unless the buyer confirmed it at purchase --------------------
    ProductSpec(
        "JW-GOLD",
        "周大福 足金转运珠手链",
        "周大福",
        "jewellery",
        "jd_self",
        ("足金 999", "按克计价，附检测证书", "定制礼盒包装"),
        (SkuSpec("3G", "约 3.2g", "1888.00"), SkuSpec("5G", "约 5.0g", "2899.00")),
        weight=2,
        flags={"is_declared_nonreturnable": True},
        premium=True,
    ),
    # --- everyday goods, for volume -----------------------------------------------------------------------
    ProductSpec(
        "DL-VINDA",
        "维达 超韧抽纸 3 层 130 抽 × 24 包",
        "维达",
        "daily",
        "jd_self",
        ("3 层加厚，湿水不易破", "整箱装更划算"),
        (SkuSpec("24", "24 包整箱", "49.90"),),
        weight=40,
        max_qty=3,
    ),
    ProductSpec(
        "DL-BLUEMOON",
        "蓝月亮 深层洁净洗衣液 3kg",
        "蓝月亮",
        "daily",
        "jd_self",
        ("深层洁净，护色防串", "低泡易漂"),
        (SkuSpec("3KG", "3kg 瓶装", "59.90"),),
        weight=35,
        max_qty=3,
    ),
    ProductSpec(
        "DL-WATER",
        "农夫山泉 饮用天然水 550ml × 24 瓶",
        "农夫山泉",
        "daily",
        "jd_self",
        ("天然水源，弱碱性", "整箱送货上楼"),
        (SkuSpec("24", "550ml × 24 瓶", "29.90"),),
        weight=35,
        max_qty=3,
    ),
    ProductSpec(
        "DL-RICE",
        "金龙鱼 东北大米 5kg",
        "金龙鱼",
        "daily",
        "jd_self",
        ("东北黑土地种植", "当季新米"),
        (SkuSpec("5KG", "5kg 袋装", "39.90"),),
        weight=30,
        max_qty=2,
    ),
    ProductSpec(
        "DL-SHAMPOO",
        "海飞丝 去屑洗发水 750ml",
        "海飞丝",
        "daily",
        "jd_self",
        ("去屑止痒", "清爽控油"),
        (SkuSpec("750", "750ml", "69.90"),),
        weight=25,
        max_qty=2,
    ),
    # --- 印泰 solid-wood home decor, third-party [seed 001] -------------------------------------------------
    ProductSpec(
        "HD-ELEPHANT",
        "印泰 泰式柚木雕花大象摆件 实木",
        "印泰",
        "home_decor",
        "yintai_home",
        ("泰国柚木手工雕刻", "每件纹理独一无二", "东南亚风格玄关摆件"),
        (SkuSpec("S", "小号 20cm", "168.00"), SkuSpec("L", "大号 35cm", "368.00")),
        weight=30,
        max_qty=2,
    ),
    ProductSpec(
        "HD-WALL",
        "印泰 泰式实木雕花壁挂 客厅装饰",
        "印泰",
        "home_decor",
        "yintai_home",
        ("整块实木镂空雕刻", "附赠挂钩，安装简单"),
        (SkuSpec("STD", "60×40cm", "298.00"),),
        weight=20,
    ),
    ProductSpec(
        "HD-SIGN",
        "印泰 定制实木刻字门牌",
        "印泰",
        "home_decor",
        "yintai_home",
        # Made to order: excluded from no-reason returns.
        ("按您提供的文字手工雕刻", "下单后备注刻字内容", "3–5 天制作后发货"),
        (SkuSpec("CUSTOM", "30×12cm 定制刻字", "198.00"),),
        weight=12,
        flags={"is_customised": True},
    ),
    # --- fresh: mangosteen [seed 000] ---------------------------------------------------------------------
    ProductSpec(
        "FR-MANGOSTEEN",
        "泰国山竹 5A 级 新鲜水果",
        "天天果园",
        "fruit",
        "tiantian_fruit",
        ("产地直采，冷链配送", "果大皮薄，果肉雪白", "坏果包赔（签收 24 小时内拍照反馈）"),
        (SkuSpec("2.5KG", "2.5kg 装", "129.00"), SkuSpec("5KG", "5kg 装", "239.00")),
        weight=40,
        flags={"is_fresh": True},
        max_qty=2,
    ),
    ProductSpec(
        "FR-CHERRY",
        "智利车厘子 JJ 级 新鲜水果",
        "天天果园",
        "fruit",
        "tiantian_fruit",
        ("果径 28-30mm", "冰鲜空运", "顺丰 / 京东冷链配送"),
        (SkuSpec("2.5KG", "2.5kg 礼盒", "299.00"),),
        weight=25,
        flags={"is_fresh": True},
        max_qty=2,
    ),
    # --- imported milk powder, third-party seller + third-party courier [seed 002] ------------------------
    ProductSpec(
        "MP-APTAMIL",
        "爱他美 德国版 婴幼儿配方奶粉 800g",
        "爱他美",
        "milk_powder",
        "haiwai_baby",
        ("德国原装进口", "保税仓直发，正品保障", "含 GOS/FOS 益生元"),
        (SkuSpec("S2", "2 段 800g", "239.00"), SkuSpec("S3", "3 段 800g", "229.00")),
        weight=40,
        max_qty=4,
    ),
    ProductSpec(
        "MP-A2",
        "a2 至初 婴幼儿配方奶粉 3 段 900g",
        "a2",
        "milk_powder",
        "haiwai_baby",
        ("A2 型蛋白质", "澳洲原装进口"),
        (SkuSpec("S3", "3 段 900g", "268.00"),),
        weight=25,
        max_qty=4,
    ),
    # --- third-party 3C accessories -----------------------------------------------------------------------
    ProductSpec(
        "AC-MOUSE",
        "罗技 M720 三模无线鼠标",
        "罗技",
        "pc_accessory",
        "shuma_acc",
        ("蓝牙 + 优联双模，三台设备切换", "一节五号电池用 24 个月"),
        (SkuSpec("BLK", "黑色", "199.00"),),
        weight=30,
        flags=_3C,
        warranty_days=365,
        max_qty=2,
    ),
    ProductSpec(
        "AC-POWER",
        "小米 移动电源 20000mAh 22.5W",
        "小米",
        "pc_accessory",
        "shuma_acc",
        ("22.5W 双向快充", "可上飞机"),
        (SkuSpec("WHT", "白色", "129.00"),),
        weight=30,
        flags=_3C,
        warranty_days=365,
        max_qty=2,
    ),
)


@dataclass(frozen=True)
class SkuRef:
    """What the order generator needs to know about a SKU (no model instances, no queries)."""

    id: int
    code: str
    label: str  # product name + spec, as an order line keeps it
    price: int  # cents
    seller: str
    weight: int
    max_qty: int
    premium: bool
    digital: bool
    fresh: bool
    customised: bool
    nonreturnable: bool
    installation: bool


@dataclass(frozen=True)
class CatalogIndex:
    sellers: dict[str, int]  # code -> id
    seller_kinds: dict[str, str]
    carriers: dict[str, int]
    carrier_names: dict[str, str]
    carrier_prefix: dict[str, str]
    skus: tuple[SkuRef, ...]

    def sku(self, code: str) -> SkuRef:
        return next(s for s in self.skus if s.code == code)


def _cents(price: str) -> int:
    whole, _, frac = price.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def write_catalog() -> CatalogIndex:
    """Create the catalog through the ORM (a few dozen rows) and return an index of ids for the generator."""
    sellers = {code: Seller.objects.create(code=code, name=name, kind=kind) for code, name, kind, _ in SELLERS}
    carriers = {code: Carrier.objects.create(code=code, name=name, is_own_fleet=own) for code, name, own, _ in CARRIERS}
    categories: dict[str, Category] = {}
    for code, name, parent in CATEGORIES:
        categories[code] = Category.objects.create(code=code, name=name, parent=categories.get(parent))
    refs = []
    for spec in PRODUCTS:
        product = Product.objects.create(
            code=spec.code,
            name=spec.name,
            brand=spec.brand,
            category=categories[spec.category],
            seller=sellers[spec.seller],
            selling_points="\n".join(spec.selling_points),
            warranty_days=spec.warranty_days,
            **spec.flags,
        )
        for sku_spec in spec.skus:
            sku = Sku.objects.create(
                code=f"{spec.code}-{sku_spec.suffix}",
                product=product,
                spec=sku_spec.spec,
                version=sku_spec.version,
                price=sku_spec.price,
                stock=sku_spec.stock,
            )
            refs.append(
                SkuRef(
                    id=sku.pk,
                    code=sku.code,
                    label=f"{spec.name} {sku_spec.spec}".strip(),
                    price=_cents(sku_spec.price),
                    seller=spec.seller,
                    weight=spec.weight,
                    max_qty=spec.max_qty,
                    premium=spec.premium,
                    digital=spec.flags.get("is_digital_download", False),
                    fresh=spec.flags.get("is_fresh", False),
                    customised=spec.flags.get("is_customised", False),
                    nonreturnable=spec.flags.get("is_declared_nonreturnable", False),
                    installation=spec.flags.get("installation_required", False),
                )
            )
    return CatalogIndex(
        sellers={code: s.pk for code, s in sellers.items()},
        seller_kinds={code: kind for code, _, kind, _ in SELLERS},
        carriers={code: c.pk for code, c in carriers.items()},
        carrier_names={code: name for code, name, _, _ in CARRIERS},
        carrier_prefix={code: prefix for code, _, _, prefix in CARRIERS},
        skus=tuple(refs),
    )


SELLER_SHARES = tuple((code, share) for code, _, _, share in SELLERS)
