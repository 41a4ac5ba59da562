"""The demo city of Linchuan (临川市) as plain data: departments, districts, topics, residents and staff."""

from __future__ import annotations

from dataclasses import dataclass

from models.common.actors import Role
from models.departments.service import NewDepartment
from models.districts.service import NewDistrict
from models.identity.staff import NewStaff
from models.topics.service import NewTopic

CITY_NAME_ZH = "临川市"
CITY_NAME_EN = "Linchuan"

# Parents come before their children: each is created in this order. The government office
# sits at the top because it supervises the bureaus' handling of cases (督办) and takes escalations.
DEPARTMENTS: tuple[NewDepartment, ...] = (
    NewDepartment("city-office", "市人民政府办公室", "Municipal Government General Office"),
    NewDepartment("hotline", "12345市长热线服务中心", "12345 Mayor's Hotline Service Centre", "city-office"),
    NewDepartment(
        "housing",
        "市住房和城乡建设局",
        "Municipal Bureau of Housing and Urban-Rural Development",
        "city-office",
    ),
    NewDepartment("transport", "市交通运输局", "Municipal Transport Bureau", "city-office"),
    NewDepartment("environment", "市生态环境局", "Municipal Ecology and Environment Bureau", "city-office"),
    NewDepartment("education", "市教育局", "Municipal Education Bureau", "city-office"),
    NewDepartment("health", "市卫生健康委员会", "Municipal Health Commission", "city-office"),
    NewDepartment(
        "hr-social-security",
        "市人力资源和社会保障局",
        "Municipal Human Resources and Social Security Bureau",
        "city-office",
    ),
    NewDepartment("medical-insurance", "市医疗保障局", "Municipal Healthcare Security Bureau", "city-office"),
    NewDepartment(
        "market-regulation",
        "市市场监督管理局",
        "Municipal Administration for Market Regulation",
        "city-office",
    ),
    NewDepartment("civil-affairs", "市民政局", "Municipal Civil Affairs Bureau", "city-office"),
    NewDepartment("urban-management", "市城市管理局", "Municipal Urban Management Bureau", "city-office"),
    NewDepartment("public-security", "市公安局", "Municipal Public Security Bureau", "city-office"),
    NewDepartment(
        "traffic-police",
        "市公安局交通警察支队",
        "Traffic Police Detachment, Municipal Public Security Bureau",
        "public-security",
    ),
)

# Four urban districts, a development zone run as a district, and one rural county:
# about 2.6 million people, a mid-sized prefecture-level city.
DISTRICTS: tuple[NewDistrict, ...] = (
    NewDistrict("chengguan", "城关区", "Chengguan District", 612_000),
    NewDistrict("donghu", "东湖区", "Donghu District", 538_000),
    NewDistrict("xishan", "西山区", "Xishan District", 421_000),
    NewDistrict("nanpu", "南浦区", "Nanpu District", 347_000),
    NewDistrict("high-tech-zone", "高新技术产业开发区", "High-Tech Industrial Development Zone", 198_000),
    NewDistrict("linjiang", "临江县", "Linjiang County", 486_000),
)

# What people in a city like this most often write to the hotline about, each with the
# department that usually answers for it.
TOPICS: tuple[NewTopic, ...] = (
    NewTopic("old-compounds", "老旧小区改造", "Old residential compound renovation", "housing"),
    NewTopic("property-management", "物业管理", "Property management", "housing"),
    NewTopic("bus-routes", "公交线路", "Bus routes", "transport"),
    NewTopic("parking", "停车难", "Parking", "traffic-police"),
    NewTopic("noise", "噪声扰民", "Noise nuisance", "environment"),
    NewTopic("school-enrolment", "教育入学", "School enrolment", "education"),
    NewTopic("seeing-a-doctor", "看病就医", "Seeing a doctor", "health"),
    NewTopic("medical-insurance", "医保报销", "Medical insurance", "medical-insurance"),
    NewTopic("unpaid-wages", "拖欠工资", "Unpaid wages", "hr-social-security"),
    NewTopic("food-safety", "食品安全", "Food safety", "market-regulation"),
    NewTopic("ageing-friendly", "适老化服务", "Ageing-friendly services", "civil-affairs"),
    NewTopic("city-appearance", "市容环境", "Streets and city appearance", "urban-management"),
)


@dataclass(frozen=True)
class DemoCitizen:
    """A demo resident; sign in as them with `townhall token --phone <number>`."""

    phone_number: str
    public_name: str
    district_code: str
    firebase_uid: str


# Numbers in the +86 138 0000 00xx block, which no real subscriber holds in the demo.
CITIZENS: tuple[DemoCitizen, ...] = (
    DemoCitizen("+8613800000001", "东湖老王", "donghu", "demo-citizen-1"),
    DemoCitizen("+8613800000002", "西山李阿姨", "xishan", "demo-citizen-2"),
    DemoCitizen("+8613800000003", "高新小陈", "high-tech-zone", "demo-citizen-3"),
)

# Demo staff get random passwords; act as them with `townhall token --email <address>`.
STAFF: tuple[NewStaff, ...] = (
    NewStaff(email="admin@linchuan.gov.cn", role=Role.ADMIN, password="", public_name="系统管理员"),
    NewStaff(
        email="zhang.wei@housing.linchuan.gov.cn",
        role=Role.OFFICIAL,
        password="",
        department_code="housing",
        public_name="住建局 张伟",
    ),
    NewStaff(
        email="liu.fang@transport.linchuan.gov.cn",
        role=Role.OFFICIAL,
        password="",
        department_code="transport",
        public_name="交通局 刘芳",
    ),
    NewStaff(
        email="wang.lei@environment.linchuan.gov.cn",
        role=Role.OFFICIAL,
        password="",
        department_code="environment",
        public_name="生态环境局 王磊",
    ),
    NewStaff(email="moderator@linchuan.gov.cn", role=Role.MODERATOR, password="", public_name="版主 周敏"),
    NewStaff(
        email="hotline.helper@linchuan.gov.cn",
        role=Role.HELPER,
        password="",
        department_code="hotline",
        public_name="12345 话务员 孙丽",
    ),
)
