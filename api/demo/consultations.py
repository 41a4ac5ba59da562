"""The demo city's consultations as plain data: their texts, timelines, comments and adoption report.

Times are relative to the moment the demo is seeded, so the open consultation is always open and
the concluded one always concluded. Clauses are named by position (1 = 第一条); people by the phone
number or e-mail address they have in `city`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.consultations.clauses import ClauseText
from models.consultations.documents import Channel, Outcome, Stage, Stance

LAO_WANG = "+8613800000001"  # 东湖老王
LI_AYI = "+8613800000002"  # 西山李阿姨
XIAO_CHEN = "+8613800000003"  # 高新小陈
HOTLINE_HELPER = "hotline.helper@linchuan.gov.cn"  # 12345 话务员 孙丽, who enters callers' comments
# A Linjiang County resident without the app: the hotline enters her comment, which enrols her.
HOTLINE_CALLER = "+8613800000004"


def days(count: float) -> dt.timedelta:
    return dt.timedelta(days=count)


def hours(count: float) -> dt.timedelta:
    return dt.timedelta(hours=count)


@dataclass(frozen=True)
class DemoOutcome:
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class DemoComment:
    """A comment and what followed it: who agreed, the official reply, its outcome or theme."""

    author: str  # phone number; with a channel other than APP, the citizen a helper submits for
    clause: int | None  # position in the text (1 = the first clause); None: the whole draft
    stance: Stance
    text: str
    after: dt.timedelta  # since the consultation opened
    channel: Channel = Channel.APP
    agreed_by: tuple[str, ...] = ()
    reply: str | None = None  # answered by the department's official a day later
    theme: str | None = None  # the title of a report theme that answers it
    outcome: DemoOutcome | None = None  # its own outcome in the report


@dataclass(frozen=True)
class DemoTheme:
    title: str
    outcome: DemoOutcome


@dataclass(frozen=True)
class DemoReport:
    summary: str
    changed_clauses: tuple[int, ...]  # positions
    themes: tuple[DemoTheme, ...]
    after_close: dt.timedelta  # when it is published (well within the 20 business days allowed)


@dataclass(frozen=True)
class DemoConsultation:
    """A consultation taken by its department's official as far as `stage`."""

    department_code: str
    official_email: str
    title: str
    summary: str
    clauses: tuple[ClauseText, ...]
    drafted: dt.timedelta  # relative to the seeding time; negative: in the past
    opens: dt.timedelta  # the day it opens (at 09:00 local time)
    open_days: int  # it closes that many days later, at 18:00 local time
    stage: Stage  # DRAFT (never published), OPEN or CONCLUDED
    district_codes: tuple[str, ...] = ()
    topic_codes: tuple[str, ...] = ()
    comments: tuple[DemoComment, ...] = ()
    report: DemoReport | None = None


E_BIKES = DemoConsultation(
    department_code="transport",
    official_email="liu.fang@transport.linchuan.gov.cn",
    title="临川市电动自行车停放充电管理规定（征求意见稿）",
    summary=(
        "电动自行车在楼道里停放、充电是小区火灾的主要隐患，很多小区又缺少充电的地方。"
        "这份规定要求在道路和小区划定停放区、配建集中充电设施，禁止在楼道、安全出口停放充电"
        "和“飞线”充电，并写明各部门的职责和违规后果。请逐条发表意见。"
    ),
    clauses=(
        ClauseText(
            "第一条",
            "为了规范本市电动自行车停放和充电秩序，预防和减少火灾事故，保障人民群众生命财产安全，"
            "根据《中华人民共和国消防法》《中华人民共和国道路交通安全法》等法律法规，结合本市实际，"
            "制定本规定。",
        ),
        ClauseText("第二条", "本市行政区域内电动自行车的停放、充电及其监督管理，适用本规定。"),
        ClauseText(
            "第三条",
            "市交通运输主管部门负责统筹协调本规定的实施。公安机关交通管理部门负责道路上电动自行车"
            "停放秩序的管理；消防救援机构负责消防安全的监督检查；住房和城乡建设、城市管理等部门"
            "按照各自职责做好相关工作。\n"
            "街道办事处、乡镇人民政府应当督促和指导物业服务人、村（居）民委员会落实本规定。",
        ),
        ClauseText(
            "第四条",
            "城市道路和公共场所的电动自行车停放区，由城市管理部门会同公安机关交通管理部门规划设置，"
            "并设置明显标识。\n"
            "电动自行车应当在停放区内有序停放，不得占用盲道、消防车通道和机动车道。",
        ),
        ClauseText(
            "第五条",
            "新建住宅小区应当按照不低于住户总数百分之二十的比例，同步配建电动自行车集中停放和充电"
            "场所。既有住宅小区应当结合老旧小区改造等工作逐步增设；确无条件的，由街道办事处协调在"
            "周边设置。\n"
            "充电设施应当具备定时断电、充满自停等安全保护功能，收费标准应当在显著位置公示。",
        ),
        ClauseText(
            "第六条",
            "集中停放和充电场所应当与住宅建筑保持安全距离或者采取防火分隔措施，配置灭火器材和视频"
            "监控。物业服务人应当每月至少开展一次防火巡查，发现隐患及时处置。",
        ),
        ClauseText(
            "第七条",
            "禁止在建筑物的楼道、楼梯间、疏散通道、安全出口停放电动自行车或者为其充电。\n"
            "禁止携带电动自行车或者其蓄电池进入电梯轿厢。\n"
            "禁止私拉电线，或者从窗户、阳台向外拉线为电动自行车充电。",
        ),
        ClauseText(
            "第八条",
            "物业服务人、村（居）民委员会发现违反本规定第七条行为的，应当予以劝阻；劝阻无效的，"
            "应当及时报告消防救援机构或者街道办事处。\n"
            "任何单位和个人都可以通过12345政务服务便民热线投诉、举报。",
        ),
        ClauseText(
            "第九条",
            "违反本规定第七条第一款的，由消防救援机构责令改正；拒不改正的，对个人处五十元以上"
            "二百元以下罚款。法律、法规另有规定的，从其规定。",
        ),
        ClauseText("第十条", "本规定自公布之日起三十日后施行。"),
    ),
    drafted=days(-23),
    opens=days(-16),
    open_days=30,
    stage=Stage.OPEN,
    topic_codes=("parking",),
    comments=(
        DemoComment(
            LAO_WANG,
            5,
            Stance.SUPPORT,
            "我们小区三百多户，只有大门口两个充电桩，晚上天天排队，不少人只好把电瓶拎回家充。"
            "新建小区按两成配建我赞成，但老小区什么时候建，也请给个时间表。",
            hours(5),
            agreed_by=(LI_AYI, XIAO_CHEN),
        ),
        DemoComment(
            LI_AYI,
            7,
            Stance.SUPPORT,
            "楼道里停车充电太吓人了。去年隔壁单元就着过一次火，半夜全楼的人往下跑，烟大得看不见台阶。"
            "这一条一定要管住。",
            hours(20),
            agreed_by=(LAO_WANG, XIAO_CHEN),
        ),
        DemoComment(
            XIAO_CHEN,
            7,
            Stance.OPPOSE,
            "不让电瓶进电梯我不太赞同。我住十八楼，小区一个充电桩都没有，电池不带回家根本没法充。"
            "应该先把充电设施建起来，再禁止。",
            hours(26),
            agreed_by=(LAO_WANG,),
            reply=(
                "感谢您的意见。第五条要求既有小区逐步增设充电设施，我们正在研究给没有充电条件的小区"
                "设一段过渡期。禁止电池进电梯是因为锂电池在封闭的轿厢里起火，人几乎没有逃生的机会，"
                "这一点我们倾向于保留。"
            ),
        ),
        DemoComment(
            LAO_WANG,
            9,
            Stance.SUGGESTION,
            "罚五十到二百元，对屡教不改的人不疼不痒。建议第一次以劝导为主，一年内多次违规的加重处罚。",
            days(2),
        ),
        DemoComment(
            LI_AYI,
            4,
            Stance.SUGGESTION,
            "菜市场和医院门口电动车停得满满当当，盲道都被占了，我推着买菜的小车都过不去。"
            "建议这些地方多划停放区，早晚高峰派人管一管。",
            days(3),
            agreed_by=(XIAO_CHEN,),
        ),
        DemoComment(
            XIAO_CHEN,
            5,
            Stance.SUGGESTION,
            "建议明确充电收费的上限。园区旁边的充电桩一度电收一块五，比家里贵好几倍。"
            "另外请同时支持扫码和投币、刷卡，老人不会用手机也能充。",
            days(4),
            agreed_by=(LAO_WANG, LI_AYI),
        ),
        DemoComment(
            LAO_WANG,
            6,
            Stance.SUGGESTION,
            "集中充电棚最好装烟感报警和自动喷淋。每月巡查要留记录，贴在棚子里，让居民看得到查没查。",
            days(6),
        ),
        DemoComment(
            LI_AYI,
            8,
            Stance.SUPPORT,
            "物业劝不动的时候可以打12345，这个好。希望接到举报以后真有人来现场看，不要只打个电话回访。",
            days(7),
        ),
        DemoComment(
            HOTLINE_CALLER,
            5,
            Stance.SUGGESTION,
            "来电人反映：她住临江县城老街的单位宿舍，没有物业，也没有充电的地方，电动车是家里上下班"
            "唯一的交通工具。规定只讲小区和物业，担心县城和乡镇落实不了，希望同步安排公共充电点。"
            "来电人不使用手机应用，由12345热线代为录入。",
            days(8),
            channel=Channel.HOTLINE,
        ),
        DemoComment(
            XIAO_CHEN,
            None,
            Stance.SUPPORT,
            "整体支持。建议把各区停放区和充电点的位置做成地图，在政府网站、小区公告栏和这个应用里都能查到。",
            days(10),
        ),
        DemoComment(
            LAO_WANG,
            10,
            Stance.OPPOSE,
            "公布后三十天就施行太急。老小区建充电棚要业主表决、找场地、报消防，三十天办不完，"
            "到时候大家没地方充电又要挨罚。建议给半年过渡期。",
            days(12),
            agreed_by=(XIAO_CHEN,),
        ),
        DemoComment(
            LI_AYI,
            3,
            Stance.SUGGESTION,
            "交通、交警、消防、住建、城管都管，出了事最怕互相推。建议写清楚由谁牵头，"
            "接到投诉几个工作日内答复。",
            days(14),
        ),
        # Screening holds this one for a moderator (a mobile number in public): the demo queue.
        DemoComment(
            XIAO_CHEN,
            5,
            Stance.SUGGESTION,
            "园区充电桩收费的事我整理了一份材料，想一起反映的邻居可以打我电话13912345678，我们联名提。",
            days(15),
        ),
    ),
)

_LIFT_THEME = "加装电梯的表决和费用分摊"
_WORKS_THEME = "施工扰民和通行安全"

OLD_COMPOUNDS = DemoConsultation(
    department_code="housing",
    official_email="zhang.wei@housing.linchuan.gov.cn",
    title="临川市城镇老旧小区改造实施办法（征求意见稿）",
    summary=(
        "全市约有三百个建成于2000年以前的住宅小区，管网老化、没有电梯、停车难。"
        "这份办法规定哪些小区可以改、改什么、居民怎样表决、钱怎么出，以及施工和改造后的管理。"
    ),
    clauses=(
        ClauseText(
            "第一条",
            "为了改善城镇老旧小区居民的居住条件，提升小区的基础设施和公共服务水平，结合本市实际，"
            "制定本办法。",
        ),
        ClauseText(
            "第二条",
            "本办法适用于本市城区范围内建成于2000年底以前、公共设施落后、影响居民基本生活的住宅小区。",
        ),
        ClauseText(
            "第三条",
            "改造内容分为三类：\n"
            "（一）基础类：供水、排水、供电、燃气、道路、屋面防水、消防设施等；\n"
            "（二）完善类：加装电梯、停车设施、电动自行车充电设施、适老化设施等；\n"
            "（三）提升类：养老、托育、便民市场等社区服务设施。",
        ),
        ClauseText(
            "第四条",
            "改造方案应当在小区内公示不少于七日，并经小区三分之二以上住户同意后实施。",
        ),
        ClauseText(
            "第五条",
            "改造资金由政府补助、居民出资和社会投入共同承担。加装电梯的费用，由所在楼栋的全体业主"
            "按所在楼层分摊，政府对每台电梯补助二十万元。",
        ),
        ClauseText(
            "第六条",
            "施工单位应当在每日7时至12时、14时至20时施工，并保障居民出行安全。",
        ),
        ClauseText("第七条", "改造完成后，小区应当引入专业化物业服务。"),
        ClauseText("第八条", "本办法自印发之日起施行。"),
    ),
    drafted=days(-88),
    opens=days(-80),
    open_days=30,
    stage=Stage.CONCLUDED,
    district_codes=("chengguan", "donghu", "xishan"),
    topic_codes=("old-compounds", "property-management"),
    comments=(
        DemoComment(
            LAO_WANG,
            5,
            Stance.OPPOSE,
            "加装电梯按楼层分摊，一楼根本不坐电梯也要出钱，采光还受影响。我们楼就为这个吵了两年，"
            "电梯到现在也没装上。建议一楼不出钱。",
            days(1),
            theme=_LIFT_THEME,
        ),
        DemoComment(
            LI_AYI,
            5,
            Stance.SUGGESTION,
            "我住五楼，膝盖不好，盼电梯盼了好多年。退休工资一次拿不出几万块，"
            "希望补助再高一些，或者允许分期交。",
            days(2),
            theme=_LIFT_THEME,
        ),
        DemoComment(
            XIAO_CHEN,
            4,
            Stance.SUGGESTION,
            "加装电梯只关系一个单元的住户，却要整个小区三分之二同意，门槛太高。建议加装电梯由本单元业主表决。",
            days(3),
            theme=_LIFT_THEME,
        ),
        DemoComment(
            LAO_WANG,
            6,
            Stance.SUGGESTION,
            "去年隔壁小区改造，早上六点多就开始砸墙。施工时间一定要管住，"
            "并且在小区门口公布施工负责人的电话，有事能找到人。",
            days(6),
            theme=_WORKS_THEME,
        ),
        DemoComment(
            LI_AYI,
            6,
            Stance.SUGGESTION,
            "施工的时候楼下堆满材料，晚上老人出门看不清，很容易绊倒。请设临时照明和安全通道。",
            days(9),
            theme=_WORKS_THEME,
        ),
        DemoComment(
            XIAO_CHEN,
            3,
            Stance.SUGGESTION,
            "建议把电动自行车集中充电设施从完善类调到基础类，作为每个小区必须改的项目。",
            days(12),
            outcome=DemoOutcome(
                Outcome.NOT_ADOPTED,
                "不少老旧小区确实腾不出安全的场地，列为必改项会让整个改造项目无法验收、推迟开工。"
                "充电设施仍列在完善类，但有场地的小区在方案审查时优先安排。",
            ),
        ),
        DemoComment(
            LAO_WANG,
            7,
            Stance.OPPOSE,
            "我们小区大多是退休职工，改造完就强制请物业，物业费很多人交不起。应该允许居民自己管。",
            days(15),
            outcome=DemoOutcome(
                Outcome.ADOPTED,
                "第七条改为：改造完成后，由居民议定引入物业服务，或者在社区指导下实行居民自治管理。",
            ),
        ),
        DemoComment(
            LI_AYI,
            None,
            Stance.SUPPORT,
            "总体赞成。西山区老纺织厂宿舍的水管一到冬天就爆，希望能排在前面改。",
            days(21),
            outcome=DemoOutcome(
                Outcome.NOTED,
                "哪些小区先改，按各区申报和评估结果排序，不在本办法中规定。"
                "您反映的纺织厂宿舍已转西山区住房和城乡建设部门，纳入下一年度项目评估。",
            ),
        ),
    ),
    report=DemoReport(
        summary=(
            "本次征求意见为期三十天，共收到3位市民的8条意见，涉及5个条款和办法整体。"
            "我们逐条研究并作了答复：采纳3条，部分采纳3条，未采纳1条，作为工作参考1条。\n"
            "根据大家的意见，办法作了以下修改：\n"
            "一、第四条明确加装电梯由本单元业主表决，不再需要整个小区三分之二住户同意；\n"
            "二、第五条规定一楼住户可以不分摊加装电梯费用，低保和特困家庭的分摊费用由区政府减免，"
            "并允许分期缴纳；\n"
            "三、第六条增加要求：施工单位在小区出入口公示施工时间和负责人电话，材料堆放处设置围挡、"
            "夜间照明和安全通道；\n"
            "四、第七条改为由居民议定引入物业服务或者实行居民自治管理。\n"
            "修改后的办法已报市人民政府审定印发。感谢每一位提出意见的市民。"
        ),
        changed_clauses=(4, 5, 6, 7),
        themes=(
            DemoTheme(
                _LIFT_THEME,
                DemoOutcome(
                    Outcome.PARTLY_ADOPTED,
                    "采纳加装电梯由本单元业主表决、一楼住户可不分摊费用和分期缴纳的意见；"
                    "低保、特困家庭的分摊费用由区政府减免。每台二十万元的补助受年度预算限制，暂不提高。",
                ),
            ),
            DemoTheme(
                _WORKS_THEME,
                DemoOutcome(
                    Outcome.ADOPTED,
                    "第六条已增加：施工单位在小区出入口公示施工时间和负责人电话，"
                    "材料堆放处设置围挡、夜间照明和安全通道。",
                ),
            ),
        ),
        after_close=days(20),
    ),
)

NOISE = DemoConsultation(
    department_code="environment",
    official_email="wang.lei@environment.linchuan.gov.cn",
    title="临川市社会生活噪声污染防治办法（草案）",
    summary=(
        "广场舞音响、夜间装修和商铺喇叭是市民投诉最多的噪声。这份草案规定夜间的时段、"
        "装修和公共场所活动的时间与音量，以及投诉后多久处理。"
    ),
    clauses=(
        ClauseText(
            "第一条",
            "为了防治社会生活噪声污染，保障居民正常生活、学习和休息，根据《中华人民共和国噪声污染"
            "防治法》，结合本市实际，制定本办法。",
        ),
        ClauseText(
            "第二条",
            "本办法所称夜间，是指每日22时至次日6时。夜间禁止在居民住宅区进行产生噪声的建筑施工，"
            "抢修、抢险作业除外。",
        ),
        ClauseText(
            "第三条",
            "在已交付使用的住宅楼内装修，应当在每日8时至12时、14时至18时进行；"
            "法定节假日全天不得进行产生较大噪声的装修作业。",
        ),
        ClauseText(
            "第四条",
            "在街道、广场、公园等公共场所开展娱乐、健身活动，应当遵守管理者划定的区域和时段，"
            "音响音量不得超过规定限值。",
        ),
        ClauseText(
            "第五条", "禁止在商业经营活动中使用高音广播喇叭，或者用其他持续反复发出高噪声的方法招揽顾客。"
        ),
        ClauseText(
            "第六条",
            "市民可以通过12345政务服务便民热线投诉噪声扰民，承办部门应当在三个工作日内处理并答复投诉人。",
        ),
    ),
    drafted=days(-2),
    opens=days(8),
    open_days=30,
    stage=Stage.DRAFT,
    topic_codes=("noise",),
)

CONSULTATIONS: tuple[DemoConsultation, ...] = (OLD_COMPOUNDS, E_BIKES, NOISE)
