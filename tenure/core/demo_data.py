"""The word lists and catalogues the demo generator (demo.py) draws from: teams and staff, products
and the pairs bought together, Chinese and English names, cities, companies, industries, tags,
consent methods, phone prefixes and interaction templates. Data only, no logic."""

TEAMS = {
    "ka": "华东大客户部 / Key Accounts East",
    "service": "客服中心 / Service Centre",
    "online": "线上 / Online",
}
# username, display name, role, team keys
STAFF = [
    ("zhou.min", "周敏", "manager", ["ka"]),
    ("wang.fang", "王芳", "agent", ["ka"]),
    ("li.qiang", "李强", "agent", ["ka"]),
    ("chen.jing", "陈静", "agent", ["ka"]),
    ("liu.yang", "刘洋", "manager", ["service"]),
    ("zhao.lei", "赵磊", "agent", ["service"]),
    ("sun.li", "孙丽", "agent", ["service"]),
    ("amy.chen", "Amy Chen 陈爱美", "agent", ["service"]),
    ("huang.tao", "黄涛", "agent", ["service"]),
    ("grace.lin", "Grace Lin 林雅", "manager", ["online"]),
    ("xu.hui", "徐慧", "agent", ["online"]),
    ("tom.wu", "Tom Wu 吴涛", "agent", ["online"]),
    ("ma.jun", "马骏", "analyst", ["ka", "service", "online"]),
]

# sku, Chinese name, English name, category, price, cost
PRODUCTS = [
    ("TEA-001", "西湖龙井 250g", "West Lake Longjing tea 250g", "茶叶 Tea", "168.00", "92.00"),
    ("TEA-002", "安溪铁观音 500g", "Anxi Tieguanyin tea 500g", "茶叶 Tea", "128.00", "70.00"),
    ("TEA-003", "云南普洱茶饼 357g", "Yunnan Pu'er tea cake 357g", "茶叶 Tea", "298.00", "150.00"),
    ("TEA-004", "茶具套装", "Tea set", "茶叶 Tea", "399.00", "210.00"),
    ("HOME-001", "智能电饭煲", "Smart rice cooker", "家电 Appliances", "599.00", "380.00"),
    ("HOME-002", "空气净化器", "Air purifier", "家电 Appliances", "1899.00", "1150.00"),
    ("HOME-003", "扫地机器人", "Robot vacuum", "家电 Appliances", "2499.00", "1600.00"),
    ("HOME-004", "电热水壶", "Electric kettle", "家电 Appliances", "129.00", "65.00"),
    ("HOME-005", "破壁料理机", "High-speed blender", "家电 Appliances", "899.00", "520.00"),
    (
        "HOME-006",
        "变频空调 1.5匹",
        "Inverter air conditioner 1.5 HP",
        "家电 Appliances",
        "3299.00",
        "2350.00",
    ),
    ("DIG-001", "蓝牙耳机", "Bluetooth earbuds", "数码 Digital", "399.00", "210.00"),
    ("DIG-002", "智能手表", "Smartwatch", "数码 Digital", "1299.00", "820.00"),
    ("DIG-003", "平板电脑 11英寸", "Tablet 11-inch", "数码 Digital", "3599.00", "2700.00"),
    ("DIG-004", "笔记本电脑 14英寸", "Laptop 14-inch", "数码 Digital", "6999.00", "5300.00"),
    ("DIG-005", "移动电源 20000mAh", "Power bank 20,000 mAh", "数码 Digital", "149.00", "72.00"),
    ("DIG-006", "手机壳", "Phone case", "数码 Digital", "49.00", "12.00"),
    ("BABY-001", "婴儿纸尿裤 L码 60片", "Baby diapers size L, 60", "母婴 Baby", "139.00", "88.00"),
    ("BABY-002", "婴儿奶粉 3段 800g", "Infant formula stage 3, 800g", "母婴 Baby", "298.00", "205.00"),
    ("BABY-003", "婴儿推车", "Baby stroller", "母婴 Baby", "1680.00", "990.00"),
    ("FOOD-001", "精酿啤酒 12瓶装", "Craft beer, 12 bottles", "食品 Food", "159.00", "96.00"),
    ("FOOD-002", "五常大米 10kg", "Wuchang rice 10kg", "食品 Food", "119.00", "78.00"),
    ("FOOD-003", "坚果礼盒", "Nut gift box", "食品 Food", "198.00", "110.00"),
    ("FOOD-004", "中秋月饼礼盒", "Mid-Autumn mooncake box", "食品 Food", "268.00", "130.00"),
    ("WINE-001", "宁夏赤霞珠干红", "Ningxia Cabernet Sauvignon", "酒水 Wine", "238.00", "120.00"),
    ("WINE-002", "贵州酱香白酒 500ml", "Guizhou baijiu 500ml", "酒水 Wine", "1499.00", "900.00"),
    ("OFF-001", "A4 复印纸 (5包)", "A4 copy paper (5 reams)", "办公 Office", "135.00", "98.00"),
    ("OFF-002", "人体工学办公椅", "Ergonomic office chair", "办公 Office", "1580.00", "920.00"),
    ("OFF-003", "激光打印机", "Laser printer", "办公 Office", "1999.00", "1420.00"),
    ("OFF-004", "会议平板 65英寸", "Meeting display 65-inch", "办公 Office", "12800.00", "9100.00"),
    ("SVC-001", "延保服务 2年", "2-year extended warranty", "服务 Service", "299.00", "60.00"),
    ("SVC-002", "上门安装", "On-site installation", "服务 Service", "150.00", "80.00"),
    (
        "SVC-003",
        "企业年度维保合同",
        "Annual maintenance contract (business)",
        "服务 Service",
        "9800.00",
        "5200.00",
    ),
]

# "Bought together" (for the cross-sell rules, R2.7): when an order holds the first product, the
# second is added with probability COMPANION_RATE (drawn from a separate random stream, so the rest
# of the data is the same with or without companions).
COMPANIONS = [
    ("BABY-001", "FOOD-001"),  # diapers and beer
    ("BABY-003", "BABY-001"),
    ("TEA-001", "TEA-004"),
    ("TEA-003", "TEA-004"),
    ("FOOD-004", "TEA-001"),
    ("WINE-002", "FOOD-003"),
    ("HOME-006", "SVC-002"),
    ("HOME-003", "SVC-001"),
    ("DIG-004", "SVC-001"),
    ("DIG-002", "DIG-001"),
    ("OFF-003", "OFF-001"),
]
COMPANION_RATE = 0.5

# Common Chinese surnames with rough relative frequencies.
SURNAMES = [
    ("王", 72),
    ("李", 71),
    ("张", 70),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 24),
    ("赵", 22),
    ("吴", 21),
    ("周", 20),
    ("徐", 16),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 12),
    ("郭", 11),
    ("何", 11),
    ("高", 10),
    ("林", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 8),
    ("谢", 7),
    ("宋", 6),
    ("唐", 6),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 5),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 3),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("欧阳", 1),
    ("司马", 1),
    ("诸葛", 1),
]
GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文博晨轩睿浩然子豪"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪慧莹倩颖琳晶欣怡悦佳琪梦瑶雨萱思涵月红梅兰英秀玉珍"
ENGLISH_FIRST_M = ["James", "David", "Michael", "Daniel", "Kevin", "Jason", "Eric", "Tom", "Peter", "Frank"]
ENGLISH_FIRST_F = ["Emily", "Sarah", "Grace", "Linda", "Amy", "Helen", "Lucy", "Olivia", "Sophie", "Anna"]
ENGLISH_LAST = ["Smith", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Green", "Baker", "Moore", "Hughes"]
CITIES = [
    ("上海市", "上海", "Shanghai", ["浦东新区张杨路", "徐汇区漕溪北路", "静安区南京西路", "闵行区莘庄路"]),
    ("浙江省", "杭州", "Hangzhou", ["西湖区文三路", "滨江区江南大道", "上城区解放路"]),
    ("江苏省", "南京", "Nanjing", ["鼓楼区中山北路", "玄武区珠江路", "江宁区双龙大道"]),
    ("江苏省", "苏州", "Suzhou", ["工业园区星湖街", "姑苏区人民路"]),
    ("北京市", "北京", "Beijing", ["朝阳区建国路", "海淀区中关村大街", "东城区东直门内大街"]),
    ("广东省", "广州", "Guangzhou", ["天河区天河路", "越秀区中山五路"]),
    ("广东省", "深圳", "Shenzhen", ["南山区科技园路", "福田区深南大道"]),
    ("四川省", "成都", "Chengdu", ["锦江区春熙路", "高新区天府大道"]),
]
COMPANY_CORES = [
    "华瑞",
    "恒达",
    "金桥",
    "新宇",
    "东方",
    "中诚",
    "宏远",
    "锦程",
    "天成",
    "瑞丰",
    "嘉禾",
    "长江",
]
INDUSTRIES = [
    ("贸易", "Trading"),
    ("科技", "Technology"),
    ("餐饮管理", "Catering Management"),
    ("物流", "Logistics"),
    ("医药", "Pharmaceutical"),
    ("建材", "Building Materials"),
    ("电子", "Electronics"),
    ("酒店管理", "Hotel Management"),
]
CONTACT_TITLES = ["采购经理 Purchasing Manager", "总经理 General Manager", "财务主管 Finance Lead",
                  "行政主管 Office Manager", "IT 负责人 IT Lead"]  # fmt: skip
SOURCES = ["门店 Store", "官网 Website", "微信 WeChat", "转介绍 Referral", "展会 Trade fair",
           "电话营销 Telemarketing", "天猫 Tmall", "京东 JD.com"]  # fmt: skip
TAGS = ["VIP", "老客户 Loyal", "企业采购 B2B", "学生 Student", "价格敏感 Price-sensitive", "投诉过 Complained",
        "转介绍人 Referrer", "新手妈妈 New parent", "茶友 Tea lover", "数码控 Gadget fan"]  # fmt: skip
CONSENT_METHODS = ["官网注册勾选 / Web sign-up checkbox", "门店纸质表格 / In-store paper form",
                   "电话录音确认 / Recorded phone consent", "微信小程序授权 / WeChat mini-program"]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "156", "158", "159", "166", "176", "177", "180", "181", "182", "186", "187",
                   "188", "189", "199"]  # fmt: skip
CHANNELS = ["phone", "sms", "email", "wechat"]
ORDER_CHANNELS = {
    "ka": ["dealer", "phone", "store"],
    "service": ["store", "phone", "online"],
    "online": ["online"],
}

# kind, direction, purpose, memo — bilingual
INTERACTIONS = [
    (
        "call",
        "in",
        "订单咨询 Order question",
        "客户来电询问订单物流进度，已告知预计送达时间。Asked where the order is; gave the delivery estimate.",
    ),
    (
        "call",
        "in",
        "积分查询 Points",
        "询问会员积分和升级条件，已说明金卡标准。Asked about points and how to reach gold.",
    ),
    (
        "call",
        "out",
        "回访 Follow-up",
        "购买后回访，客户对产品满意。After-sale follow-up: happy with the product.",
    ),
    (
        "call",
        "out",
        "关怀电话 Courtesy call",
        "例行问候，客户近期无需求，约定下季度再联系。Courtesy call; no needs now, call again next quarter.",
    ),
    (
        "visit",
        "out",
        "拜访 Visit",
        "上门拜访，了解明年采购计划，对方关注售后响应速度。Visited; discussed next year's purchasing plan and after-sales speed.",
    ),
    (
        "visit",
        "in",
        "到店 Store visit",
        "客户到店体验新品，留下试用反馈。Came to the store to try the new range; left feedback.",
    ),
    (
        "email",
        "out",
        "报价 Quote",
        "发送年度报价单及批量折扣说明。Sent the yearly quote and volume discounts.",
    ),
    ("email", "in", "发票 Invoice", "客户邮件索取增值税专用发票。Asked by email for a VAT invoice."),
    (
        "chat",
        "in",
        "在线咨询 Chat",
        "微信咨询产品参数，已发送说明书。Asked for specifications on WeChat; sent the manual.",
    ),
    (
        "complaint",
        "in",
        "投诉 Complaint",
        "投诉送货延迟三天，已道歉并补偿优惠券。Delivery three days late; apologised and gave a coupon.",
    ),
    (
        "complaint",
        "in",
        "投诉 Complaint",
        "产品有质量问题，已安排换货。Faulty product; replacement arranged.",
    ),
    (
        "complaint",
        "in",
        "投诉 Complaint",
        "对客服态度不满，已升级至主管处理。Unhappy with how an agent spoke; escalated to the manager.",
    ),
    (
        "note",
        "internal",
        "备注 Note",
        "客户希望只在工作日下午联系。Prefers calls on weekday afternoons only.",
    ),
    (
        "note",
        "internal",
        "备注 Note",
        "大客户，春节前需提前备货。Key account: stock up before Spring Festival.",
    ),
    (
        "survey",
        "out",
        "满意度调查 Survey",
        "满意度回访：9 分（满分 10 分）。Satisfaction survey: 9 out of 10.",
    ),
]
INTERACTION_WEIGHTS = [12, 6, 8, 5, 3, 3, 3, 2, 6, 2, 1, 1, 3, 1, 3]
