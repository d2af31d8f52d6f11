"""What the seeded customers write and what the agents answer: one topic per kind of problem, in Chinese.

Fields are str.format templates over {name} {order} {product} {carrier} {tracking} {case}. The agents' texts
pass the reply coach (the seed would stop with CoachObjection otherwise); the one deliberate exception is
COACHED_REPLY, sent with confirm_coach=True.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    key: str
    cause: str
    kind: str  # complaint / question / request
    skill: str  # the queue it goes to (diamond customers: the diamond queue whatever this says)
    needs: str  # "shipped": an order that left the warehouse; "order": any order; "case": an after-sales case
    severities: tuple[str, ...]  # drawn from, uniformly
    subject: str
    body: str
    reply: str  # the agent's first public reply
    note: str  # an internal note
    analysis: str
    position: str  # the customer's position, as acknowledged
    solution: str
    refusal: str  # why a customer might not accept it
    ask: str  # the agent asks for something (the ticket then waits on the customer)
    answer: str  # … and the customer's answer


TOPICS = (
    Topic("late", "delivery", "complaint", "logistics", "shipped", ("normal", "normal", "high"),
          "订单{order}超过承诺时间还没送到",
          "我的订单{order}页面写三天内送达，现在物流一直没更新，{carrier}的电话也打不通，到底什么时候能到？",
          "{name}您好，非常抱歉让您久等了。我看到您的包裹（运单号{tracking}）在转运中心停留较久，"
          "我马上联系{carrier}核实，今天内给您答复。",
          "已致电{carrier}客服核实运单{tracking}：转运中心分拣积压，对方承诺明天优先派送，已登记催件。",
          "第三方快递转运中心积压，超出承诺时效", "顾客按承诺时间等货，物流停滞又联系不上快递，希望尽快收到",
          "{carrier}承诺明天优先派送，我们补偿5元无门槛优惠券，并持续跟踪到签收",
          "顾客认为补偿太少，希望免运费并赔偿10元", "麻烦您确认一下收货地址和电话是否有变动，我好同步给快递员。",
          "地址没变，电话就是下单的这个，麻烦快点。"),
    Topic("damaged", "delivery", "complaint", "aftersale", "shipped", ("normal", "high"),
          "收到的{product}外包装破损，东西也摔坏了",
          "今天收到订单{order}，箱子压扁了，里面的{product}摔坏了一角，拍了照片，怎么处理？",
          "{name}您好，收到破损的商品一定很扫兴，给您添麻烦了。照片我已经收到，马上为您核实处理方案。",
          "照片显示外箱受压变形，判断为运输途中挤压；已向{carrier}发起破损索赔。",
          "运输途中挤压导致破损", "顾客收到的商品已损坏，不想再来回寄，希望尽快换新",
          "为您免费补发新品，破损件无需寄回，补发今天发出", "顾客希望直接退款，不要补发",
          "麻烦您再拍一张快递面单的照片发给我，方便向快递公司索赔。", "面单照片已经上传了，请查收。"),
    Topic("wrong_item", "wrong_or_missing", "complaint", "aftersale", "shipped", ("normal", "high"),
          "收到的商品和下单的不一样",
          "订单{order}我买的是{product}，收到的颜色和尺码都不对，孩子明天就要穿，怎么办？",
          "{name}您好，发错商品是我们的失误，非常抱歉。我马上核对出库记录，优先为您安排换货。",
          "核对出库记录：拣货时取错了相邻货位的商品，已通知仓库复核该货位。",
          "仓库拣货错误", "顾客急用，希望先收到正确的商品，再处理退回",
          "先为您加急补发正确商品，错发件由快递上门取回，运费由我们承担", "顾客不想等取件，希望直接退款",
          "方便告诉我一下明天几点前需要用吗？我看能不能安排当日达。", "明天上午十点前要用，麻烦尽量快。"),
    Topic("missing", "wrong_or_missing", "complaint", "aftersale", "shipped", ("normal",),
          "订单少发了一件",
          "订单{order}一共两件，包裹里只有一件{product}，另一件没有收到，也没有说分开发货。",
          "{name}您好，给您添麻烦了。我马上帮您核实仓库的出库和称重记录，今天内给您结果。",
          "出库称重比应发重量少约0.4千克，确认漏发一件。",
          "仓库漏发", "顾客付了两件的钱只收到一件，希望补发", "今天为您补发漏发的商品，并赠送一张10元优惠券",
          "顾客希望退掉漏发那件的钱", "麻烦您看一下包裹里有没有装箱单，拍照发我一下可以吗？",
          "装箱单拍好了，上面写的是两件。"),
    Topic("quality", "product_quality", "complaint", "complaints", "order", ("normal", "high", "critical"),
          "{product}用了没几天就坏了",
          "订单{order}买的{product}，用了不到一周就出问题了，质量太差了，要求给个说法。",
          "{name}您好，商品这么快出问题确实让人生气，我非常理解。我先帮您查一下商品的质保政策和处理方式。",
          "同批次本月已有3起同类反馈，已转品控排查该批次。",
          "商品质量问题（同批次多起反馈）", "顾客认为商品质量不合格，希望退货并得到补偿",
          "为您办理退货退款，上门取件，另赠20元优惠券表示歉意", "顾客要求三倍赔偿",
          "能麻烦您拍一段出问题时的视频吗？我们提交给品控核实。", "视频已上传，开机两秒就自动关了。"),
    Topic("attitude", "service_attitude", "complaint", "complaints", "order", ("high",),
          "投诉：上次客服态度很差",
          "我上周为订单{order}打过两次电话，客服很不耐烦，问题也没有解决，我要投诉。",
          "{name}您好，上次的沟通让您不愉快，我代表团队向您诚恳道歉。您的问题接下来由我全程跟进。",
          "调取了两次通话录音，确认当班同事语气生硬且未给出处理方案，已安排辅导。",
          "服务态度问题，首次沟通未解决诉求", "顾客两次联系都没有得到解决，感到不被尊重",
          "向您诚恳道歉，已对相关同事进行辅导；您原来的问题由我今天内处理完毕，并赠送30元优惠券",
          "顾客要求公开道歉", "方便告诉我一下您原来遇到的具体问题吗？我今天一并处理。",
          "就是发票一直没开，申请了两次。"),
    Topic("price", "price", "complaint", "presale", "order", ("low", "normal"),
          "刚买完就降价了，能补差价吗",
          "订单{order}的{product}我前几天买的，今天看降了不少，能不能把差价退给我？",
          "{name}您好，理解您的心情，我马上帮您核对下单价格和当前活动价，看是否符合价格保护。",
          "核对：降价发生在下单后第5天，在7天价保期内。",
          "下单后降价，符合价保条件", "顾客希望按现价退还差价",
          "按价格保护规则为您退还差价，以京豆形式当天到账", "顾客希望差价退回原支付账户",
          "请问您是在活动页面看到的价格还是商品详情页？我截图核对一下。", "就是详情页，现在便宜了八十块。"),
    Topic("invoice", "payment", "request", "aftersale", "order", ("low", "normal"),
          "发票抬头开错了，需要重开",
          "订单{order}的电子发票抬头写成了个人，我需要开公司抬头，税号已经补充在下面。",
          "{name}您好，收到您的需求，我马上为您申请作废原发票并重新开具。",
          "原发票已在系统申请红冲，待财务确认后重开。",
          "发票抬头填写错误", "顾客需要公司抬头的发票用于报销", "已为您重新开具公司抬头的电子发票，发送到您的邮箱",
          "顾客需要纸质专票", "麻烦您再确认一下公司全称和税号，我按您给的信息开具。",
          "公司全称和税号已经补在留言里了。"),
    Topic("refund_slow", "aftersales_process", "request", "aftersale", "case", ("normal", "high"),
          "退货寄回一周了，退款还没到账",
          "售后单{case}的商品上周就寄回去了，物流显示已签收，退款到现在还没到，到底什么时候退？",
          "{name}您好，让您久等了，非常抱歉。我马上查看售后单{case}的仓库验收进度，今天内给您准确答复。",
          "仓库已签收退件，验货积压，已请仓库今天优先验收。",
          "退货验收积压，退款流程超时", "顾客已按要求寄回，退款迟迟不到，担心钱款",
          "仓库今天完成验收并提交退款，原路退回1–3个工作日到账",
          "顾客希望先退款后验货", "麻烦您提供一下退货的快递单号，我帮您催仓库。", "单号在售后单里填过了，你们查一下。"),
    Topic("page_info", "page_information", "complaint", "complaints", "order", ("normal",),
          "详情页写的材质和实物不符",
          "订单{order}的{product}详情页写的是纯棉，收到后看吊牌是涤纶混纺，这是虚假宣传吧？",
          "{name}您好，感谢您指出这个问题，给您添麻烦了。我马上核实详情页和商品吊牌信息。",
          "已确认详情页材质描述有误，已反馈运营当天修改。",
          "商品详情页信息错误", "顾客按详情页描述购买，实物与描述不符，感觉被误导",
          "为您办理退货退款，来回运费由我们承担，并已安排修改详情页", "顾客要求按虚假宣传赔偿",
          "方便拍一下吊牌的照片吗？我转给运营核实。", "吊牌照片已上传。"),
    Topic("presale", "other", "question", "presale", "order", ("low", "normal"),
          "{product}适合几个月的宝宝？",
          "想再买一罐{product}，请问适合几个月的宝宝？现在下单今天能发货吗？",
          "{name}您好，感谢您的咨询！我帮您查一下这款的适用月龄和今天的发货情况。",
          "已查库存：现货，16点前下单当天发出。",
          "售前咨询：适用月龄与发货时间", "顾客想确认适用月龄和发货时效后再下单",
          "这款适合6–12个月的宝宝，现货，16点前下单当天发货", "顾客想要更早送达",
          "请问宝宝现在几个月了？我帮您确认选哪一段更合适。", "宝宝八个月了。"),
    Topic("double_charge", "payment", "complaint", "aftersale", "order", ("high",),
          "付款被扣了两次钱",
          "订单{order}付款的时候卡了一下，结果银行扣了两次钱，多扣的什么时候退回来？",
          "{name}您好，给您添麻烦了。我马上帮您核对支付流水，确认后第一时间为您退回多扣的款项。",
          "支付流水显示同一订单两笔成功扣款，第二笔为重复支付。",
          "支付网关重复扣款", "顾客被重复扣款，希望尽快退回", "多扣的款项已原路退回，1–3个工作日到账",
          "顾客希望当天到账", "麻烦您提供一下银行扣款短信的截图，方便我核对。", "截图已经发过来了。"),
)
BY_KEY = {t.key: t for t in TOPICS}

# What customers write in the follow-up survey.
PRAISE = ("处理很及时，谢谢", "客服态度很好，问题解决了", "很满意，补偿也到账了", "速度快，点赞", "")
MIXED = ("问题解决了，就是等得有点久", "")
COMPLAINTS = ("拖了好几天才解决，很失望", "补偿太少了，态度也一般", "问题根本没解决")

# The deliberate exception: sent as written after the reply coach's warning (its flags stay on the message).
COACHED_REPLY = "亲，规定就是这样，拆封后的商品只能按质量问题走售后，您先把照片发过来。"

REVIEW_BODY = "【1星评价】{product}和描述差太多了，质量一般，客服也不回消息，后悔买了。"
REMINDER = "怎么还没有人回复？已经等了好久了。"
MORE_INFO = "另外，这个订单的发票也一直没有收到，麻烦一起查一下。"
