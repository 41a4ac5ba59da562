"""Prints the time per stage, items per second, and the recall and precision of near-duplicate grouping.

Run: `.venv/bin/python bench/near_duplicates.py [--ordinary 15000] [--campaign 5000] [--seed 7]`.

The script generates a seeded Chinese corpus of comments about city matters: ordinary comments
composed from phrase banks (observation, place, subject and problem, when and what follows,
who should do what, closing, with numbers and times), five of them about the campaign's own
subject in their own words, and a campaign of variants of one template (character substitutions,
synonyms, clause reorderings, added and removed words and clauses, personal openings,
punctuation, spacing and full-width changes). It then
computes signatures, band keys and groups, and measures the largest group against the campaign:
recall is the share of the variants in it, precision the share of it that are variants. No
network, no database; exits non-zero when recall < 95% or precision < 98%.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass

from moderation.detectors.near_duplicates import DuplicateGroups, Signature, band_keys, signature

DISTRICTS = [
    "东城区",
    "西湖区",
    "滨江区",
    "高新区",
    "老城区",
    "南山区",
    "北湖区",
    "江北新区",
    "开发区",
    "临港片区",
]
PLACES = [
    "{d}{n}路与{m}街交叉口",
    "{d}{n}号小区门口",
    "{d}人民公园东门",
    "{d}第{n}中学附近",
    "{d}地铁{n}号线出口",
    "{d}菜市场后面",
    "{d}{n}路公交站",
    "{d}社区卫生服务中心旁",
    "{d}老旧小区{n}栋",
    "{d}滨河步道",
    "{d}体育馆停车场",
    "{d}{n}号楼下",
    "{d}图书馆对面",
    "{d}农贸市场",
    "{d}幼儿园门口",
]
SUBJECTS = [
    ("路灯", ["晚上一直不亮", "坏了好几个星期", "亮度太低看不清路", "时亮时灭"]),
    ("井盖", ["松动有响声", "缺了一块很危险", "下陷形成大坑", "被车压碎了"]),
    ("垃圾清运", ["经常两三天才收一次", "垃圾桶满了溢出来", "夏天气味很大", "分类桶被混着倒"]),
    ("噪音", ["工地半夜还在施工", "广场舞音响开得太大", "酒吧到凌晨还很吵", "货车夜里鸣笛"]),
    ("停车", ["车辆乱停占用人行道", "车位太少晚上找不到", "收费标准不透明", "消防通道被堵"]),
    ("公交", ["班次太少等车要半小时", "末班车太早", "站牌信息过时", "线路绕路太远"]),
    ("积水", ["下雨后积水没过脚踝", "排水口被堵住", "地下通道一下雨就淹", "路面坑洼存水"]),
    ("绿化", ["树木修剪不及时挡住窗户", "草坪被踩秃了", "行道树倒伏没人管", "花坛变成垃圾堆"]),
    ("电梯", ["老楼加装电梯进展太慢", "电梯经常故障困人", "维保记录不公开", "加装费用分摊有争议"]),
    ("自行车道", ["被电动车和汽车占用", "标线磨损看不清", "路面不平容易摔倒", "中间断开不连续"]),
    ("学校周边", ["上下学时段交通拥堵", "缺少斑马线和护栏", "路边摊贩占道", "接送车辆随意掉头"]),
    ("医院挂号", ["排队时间太长", "网上号源很快抢光", "老人不会用手机挂号", "停车位严重不足"]),
    ("供暖", ["暖气温度不达标", "开始供暖时间太晚", "收费和面积对不上", "管道漏水没人修"]),
    ("健身器材", ["器材损坏有安全隐患", "数量太少排队", "没有遮阳设施", "夜里没有照明"]),
    ("无障碍设施", ["盲道被占用", "坡道太陡轮椅上不去", "公共厕所没有扶手", "电梯按钮没有盲文"]),
    ("外卖电动车", ["在人行道上逆行", "乱停在楼道口", "充电存在火灾隐患", "车速太快吓到老人"]),
    ("公园管理", ["开放时间太短", "厕所卫生差", "遛狗不牵绳", "湖边缺少护栏"]),
    ("菜价", ["比周边高出不少", "缺少平价摊位", "秤不准缺斤短两", "早市被取消不方便"]),
]
OBSERVATIONS = [
    "我每天上下班都经过这里，",
    "住在附近的邻居都反映过，",
    "上周{w}我亲眼看到，",
    "从{y}年开始就这样了，",
    "带孩子出门的时候发现，",
    "家里老人说",
    "这个问题已经持续了{n}个月，",
    "昨天晚上{h}点左右，",
    "我们楼里有{n}户人家都受影响，",
    "之前打过{n}次热线，",
    "",
]
WHEN = [
    "周末",
    "早高峰",
    "下雨天",
    "晚上十点以后",
    "节假日",
    "每天傍晚",
    "上学放学时段",
    "冬天",
    "中午",
    "凌晨",
]
CONSEQUENCES = [
    "有人差点摔倒",
    "车辆只能绕行",
    "老人孩子出行很不方便",
    "邻居投诉了好几次",
    "连外卖都送不进来",
    "救护车差点进不来",
    "吵得人睡不着",
    "积了一地的垃圾",
    "行人只能走机动车道",
    "沿街商户生意也受影响",
    "家里孩子不敢单独出门",
    "附近的狗也跟着乱叫",
]
LEADS = ["希望", "建议", "请", "恳请", "能否让", "麻烦", "盼望", "强烈建议"]
DEPARTMENTS = [
    "街道办",
    "城管",
    "交警",
    "住建局",
    "物业公司",
    "环卫所",
    "园林局",
    "交通局",
    "社区居委会",
    "市政公司",
    "区政府",
]
ACTIONS = [
    "尽快派人到现场核实",
    "增加巡查频次",
    "给出明确的处理时限",
    "公开整改方案",
    "设置警示标志",
    "协调各方一起解决",
    "安排专人跟进",
    "把这件事列入今年的计划",
    "处理后回访一下居民",
    "先做个临时处理",
    "听听周边居民的意见",
    "在平台上公示处理结果",
]
CLOSINGS = ["谢谢！", "辛苦了。", "期待回复。", "盼复。", "感谢各位工作人员。", "", "", ""]
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]

# The campaign's subject, in ordinary residents' own words: same topic, not the same text.
PARK_COMMENTS = [
    "滨江公园那块地如果盖楼，周末带孩子就没地方去了，能不能换个地方建？",
    "听说滨江公园要改规划，想问一下听证会什么时候开，材料在哪里能看到。",
    "支持保留滨江公园的绿地，但也希望把公园里的厕所和路灯修一修。",
    "滨江公园旁边的高层住宅项目，交通评估报告能不能公开？早高峰已经很堵了。",
    "我家就在滨江公园对面，树要是砍了，夏天会热很多，请慎重考虑。",
]

TEMPLATE_CLAUSES = [
    "我们坚决反对在滨江公园内建设高层住宅项目",
    "滨江公园是周边几个小区居民唯一的休闲绿地",
    "每天有上千名老人和孩子在公园里散步锻炼",
    "砍伐上百棵大树会严重破坏生态环境",
    "施工还会带来长期的噪音和粉尘污染",
    "项目建成后周边道路的交通拥堵将更加严重",
    "规划调整前没有充分征求居民意见",
    "恳请市政府重新评估这一规划方案",
    "保留公园绿地并公开听证会的时间和全部材料",
]
SYNONYMS = {
    "坚决": ["强烈", "坚定地"],
    "恳请": ["请求", "强烈要求", "希望"],
    "市政府": ["市里", "政府", "有关部门"],
    "严重": ["极大地", "彻底"],
    "上千名": ["很多", "成百上千的"],
    "周边": ["附近", "周围"],
    "休闲绿地": ["休闲场所", "绿地"],
    "长期的": ["持续的", ""],
    "充分": ["认真", ""],
    "全部": ["所有", ""],
}
OPENINGS = [
    "本人是{d}居民，",
    "我住在滨江公园旁边{n}年了，",
    "作为一名退休教师，",
    "我是附近小区的业主，",
    "各位领导好，",
    "作为孩子的家长，",
    "",
]
FILLERS = ["真的", "非常", "确实", "一定", "大家都觉得", "说实话"]
ENDINGS = ["", "谢谢！", "请认真考虑！！", "希望能听到我们的声音。", "拜托了", "支持的请转发"]
HOMOPHONES = {"园": "圆", "建": "见", "绿": "率", "请": "清", "意": "议", "境": "镜", "估": "古", "噪": "躁"}


@dataclass(frozen=True)
class Comment:
    text: str
    in_campaign: bool


def ordinary_comment(rng: random.Random) -> str:
    values = {
        "d": rng.choice(DISTRICTS),
        "n": rng.randint(1, 99),
        "m": rng.choice("东西南北中") + rng.choice("一二三四五六七八"),
        "w": WEEKDAYS[rng.randrange(7)],
        "y": rng.randint(2015, 2024),
        "h": rng.randint(6, 23),
    }
    subject, problems = rng.choice(SUBJECTS)
    situation = rng.choice(OBSERVATIONS).format(**values) + rng.choice(PLACES).format(**values)
    situation += f"的{subject}{rng.choice(problems)}，"
    if rng.random() < 0.4:  # a second problem in the same comment
        other, more = rng.choice(SUBJECTS)
        situation += f"另外{other}{rng.choice(more)}，"
    details = (
        "，".join(f"{rng.choice(WHEN)}{rng.choice(CONSEQUENCES)}" for _ in range(rng.randint(1, 2))) + "。"
    )
    request = f"{rng.choice(LEADS)}{rng.choice(DEPARTMENTS)}{rng.choice(ACTIONS)}。"
    if rng.random() < 0.3:  # some lead with what they ask for
        return request + situation + details + rng.choice(CLOSINGS)
    return situation + details + request + rng.choice(CLOSINGS)


def campaign_variant(rng: random.Random) -> str:
    clauses = list(TEMPLATE_CLAUSES)
    if rng.random() < 0.3:  # a clause dropped
        del clauses[rng.randrange(1, len(clauses))]
    for _ in range(rng.randint(0, 2)):  # neighbouring clauses swapped
        i = rng.randrange(len(clauses) - 1)
        clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
    edited = []
    for clause in clauses:
        for word, alternatives in SYNONYMS.items():
            if word in clause and rng.random() < 0.25:
                clause = clause.replace(word, rng.choice(alternatives), 1)
        if rng.random() < 0.12:  # a typo from a phonetic input method
            chars = [i for i, ch in enumerate(clause) if ch in HOMOPHONES]
            if chars:
                i = rng.choice(chars)
                clause = clause[:i] + HOMOPHONES[clause[i]] + clause[i + 1 :]
        if rng.random() < 0.1:
            i = rng.randrange(len(clause))
            clause = clause[:i] + rng.choice(FILLERS) + clause[i:]
        edited.append(clause)
    marks = rng.choice([("，", "。"), (",", "."), ("，", "！"), (" ", " "), ("、", "；")])
    body = "".join(clause + (marks[1] if i % 3 == 2 else marks[0]) for i, clause in enumerate(edited))
    text = (
        rng.choice(OPENINGS).format(d=rng.choice(DISTRICTS), n=rng.randint(2, 30))
        + body
        + rng.choice(ENDINGS)
    )
    if rng.random() < 0.1:  # pasted through a full-width keyboard or with stray spaces
        text = text.replace("，", " ， ").replace("1", "１").replace("2", "２")
    return text


def corpus(ordinary: int, campaign: int, seed: int) -> list[Comment]:
    rng = random.Random(seed)
    comments = [Comment(text, in_campaign=False) for text in PARK_COMMENTS[:ordinary]]
    comments += [Comment(ordinary_comment(rng), in_campaign=False) for _ in range(ordinary - len(comments))]
    comments += [Comment(campaign_variant(rng), in_campaign=True) for _ in range(campaign)]
    rng.shuffle(comments)
    return comments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ordinary", type=int, default=15_000)
    parser.add_argument("--campaign", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    comments = corpus(args.ordinary, args.campaign, args.seed)
    generated = time.perf_counter()
    signatures: list[Signature] = [signature(comment.text) for comment in comments]
    signed = time.perf_counter()
    keys = [band_keys(sig) for sig in signatures]
    keyed = time.perf_counter()
    grouping: DuplicateGroups[int] = DuplicateGroups()
    for index, (sig, item_keys) in enumerate(zip(signatures, keys, strict=True)):
        grouping.add(index, sig, item_keys)
    groups = grouping.groups()
    grouped = time.perf_counter()

    total = len(comments)
    distinct_texts = len({comment.text for comment in comments if comment.in_campaign})
    mean_length = sum(len(comment.text) for comment in comments) / total
    print(
        f"corpus: {total:,} comments ({args.ordinary:,} ordinary, {args.campaign:,} campaign variants, "
        f"{distinct_texts:,} distinct), mean {mean_length:.0f} characters, seed {args.seed}"
    )
    print(f"example ordinary: {next(c.text for c in comments if not c.in_campaign)}")
    print(f"example variant:  {next(c.text for c in comments if c.in_campaign)}")
    work = grouped - generated
    for stage, seconds in [
        ("generate corpus", generated - started),
        ("signatures", signed - generated),
        ("band keys", keyed - signed),
        ("grouping", grouped - keyed),
        ("detection total", work),
    ]:
        print(f"{stage:<16} {seconds:7.3f} s  {total / seconds:10,.0f} items/s")

    largest = groups[0] if groups else []
    real = sum(1 for index in largest if comments[index].in_campaign)
    recall = real / args.campaign if args.campaign else 1.0
    precision = real / len(largest) if largest else 0.0
    others = groups[1:]
    print(f"largest group: {len(largest):,} items, {real:,} of them campaign variants")
    print(f"recall {recall:.2%}  precision {precision:.2%}")
    print(f"other groups: {len(others):,} holding {sum(len(group) for group in others):,} items")
    return 0 if recall >= 0.95 and precision >= 0.98 else 1


if __name__ == "__main__":
    sys.exit(main())
