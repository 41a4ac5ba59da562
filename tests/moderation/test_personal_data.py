"""Personal data found in Chinese text, with exact spans, and its redaction."""

from __future__ import annotations

import pytest

from moderation.detectors.personal_data import Finding, find_personal_data, redact

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first_17: str) -> str:
    """A resident ID number with its GB 11643 check character, computed here, apart from the code."""
    total = sum(int(d) * w for d, w in zip(first_17, ID_WEIGHTS, strict=True))
    return first_17 + "10X98765432"[total % 11]


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    doubled = [d * 2 - 9 if d * 2 > 9 else d * 2 for d in digits[1::2]]
    return (sum(digits[0::2]) + sum(doubled)) % 10 == 0


def with_luhn_digit(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


VALID_ID = id_number("11010519491231002")  # 11010519491231002X
# The often-quoted UnionPay test number; its last digit is not the Luhn digit (that is 9).
LUHN_FAILING_CARD = "6222020200112345675"


def kinds_and_spans(text: str) -> list[tuple[str, int, int, str]]:
    return [(f.kind, f.start, f.end, f.value) for f in find_personal_data(text)]


class TestIdCard:
    def test_a_valid_number_is_found(self) -> None:
        assert VALID_ID == "11010519491231002X"
        assert kinds_and_spans(f"身份证{VALID_ID}。") == [("id_card", 3, 21, VALID_ID)]

    def test_a_lowercase_check_character_is_found(self) -> None:
        assert kinds_and_spans(VALID_ID.lower()) == [("id_card", 0, 18, VALID_ID.lower())]

    def test_a_wrong_check_digit_is_not_found(self) -> None:
        wrong = VALID_ID[:17] + "3"
        assert find_personal_data(f"编号{wrong}") == []

    def test_an_impossible_birth_date_is_not_found(self) -> None:
        feb_30 = id_number("11010519490230002")  # right check digit, no 30 February
        assert find_personal_data(f"身份证{feb_30}") == []

    def test_a_birth_year_before_1900_is_not_found(self) -> None:
        assert find_personal_data(id_number("11010518491231002")) == []

    def test_a_number_inside_a_longer_digit_run_is_not_found(self) -> None:
        assert find_personal_data(f"1{VALID_ID}") == []


class TestMobile:
    def test_inside_chinese_text(self) -> None:
        assert kinds_and_spans("请拨打13812345678联系我") == [("mobile", 3, 14, "13812345678")]

    def test_with_plus_86_and_groups(self) -> None:
        text = "电话+86 138 1234 5678。"
        assert kinds_and_spans(text) == [("mobile", 2, 19, "+86 138 1234 5678")]

    def test_with_0086_and_hyphens(self) -> None:
        assert kinds_and_spans("0086-138-1234-5678") == [("mobile", 0, 18, "0086-138-1234-5678")]

    def test_a_second_digit_of_1_or_2_is_not_a_mobile(self) -> None:
        assert find_personal_data("请拨打12812345678") == []

    def test_part_of_a_longer_digit_run_is_not_found(self) -> None:
        assert find_personal_data("订单138123456789") == []


class TestLandline:
    def test_beijing_with_hyphen(self) -> None:
        assert kinds_and_spans("来电010-62345678咨询") == [("landline", 2, 14, "010-62345678")]

    def test_shenzhen_seven_digits(self) -> None:
        assert kinds_and_spans("0755-2345678") == [("landline", 0, 12, "0755-2345678")]

    def test_without_hyphen(self) -> None:
        assert kinds_and_spans("电话01062345678") == [("landline", 2, 13, "01062345678")]

    def test_with_extension(self) -> None:
        assert kinds_and_spans("0755-2345678转8001") == [("landline", 0, 17, "0755-2345678转8001")]


class TestBankCard:
    def test_a_number_passing_luhn_is_found(self) -> None:
        card = with_luhn_digit(LUHN_FAILING_CARD[:18])
        assert card == "6222020200112345679"
        assert kinds_and_spans(f"卡号{card}转账") == [("bank_card", 2, 21, card)]

    def test_a_number_failing_luhn_is_not_found(self) -> None:
        assert not luhn_valid(LUHN_FAILING_CARD)
        assert find_personal_data(f"卡号{LUHN_FAILING_CARD}") == []

    def test_groups_of_four(self) -> None:
        text = "卡号 4111 1111 1111 1111 谢谢"
        assert kinds_and_spans(text) == [("bank_card", 3, 22, "4111 1111 1111 1111")]

    def test_a_valid_id_number_passing_luhn_is_an_id_number(self) -> None:
        # Some ID numbers also pass Luhn; they are reported once, as what they are.
        first = next(
            n
            for n in (id_number(f"44030519900101{i:03d}") for i in range(1000))
            if n[-1] != "X" and luhn_valid(n)
        )
        assert [f.kind for f in find_personal_data(first)] == ["id_card"]


class TestEmail:
    def test_inside_chinese_text(self) -> None:
        assert kinds_and_spans("邮箱zhang.san@example.com.cn谢谢") == [
            ("email", 2, 26, "zhang.san@example.com.cn")
        ]

    def test_a_mobile_number_address_is_one_email(self) -> None:
        assert kinds_and_spans("13812345678@163.com") == [("email", 0, 19, "13812345678@163.com")]


class TestPlate:
    def test_ordinary_plate(self) -> None:
        assert kinds_and_spans("车牌粤B12345停在门口") == [("plate", 2, 9, "粤B12345")]

    def test_new_energy_plate(self) -> None:
        assert kinds_and_spans("京AD12345") == [("plate", 0, 8, "京AD12345")]

    def test_lowercase_letters(self) -> None:
        assert kinds_and_spans("沪a1b234") == [("plate", 0, 7, "沪a1b234")]

    def test_brand_names_after_a_province_character_are_not_plates(self) -> None:
        assert find_personal_data("新iPhone很贵，新Windows也是") == []


class TestFullWidth:
    def test_full_width_mobile_keeps_original_span(self) -> None:
        text = "电话：１３８１２３４５６７８。"
        assert kinds_and_spans(text) == [("mobile", 3, 14, "１３８１２３４５６７８")]

    def test_full_width_email(self) -> None:
        assert kinds_and_spans("ａｂｃ＠ｑｑ．ｃｏｍ") == [("email", 0, 10, "ａｂｃ＠ｑｑ．ｃｏｍ")]

    def test_full_width_plate(self) -> None:
        assert kinds_and_spans("粤Ｂ１２３４５") == [("plate", 0, 7, "粤Ｂ１２３４５")]


class TestOrdinaryNumbers:
    @pytest.mark.parametrize(
        "text",
        [
            "2025年10月1日起施行",
            "依据第12条规定",
            "全区人口612000人",
            "订单号12345678901234567890已发货",
            "预算3,500,000元，增长12.5%",
            "邮编100080",
        ],
    )
    def test_nothing_found(self, text: str) -> None:
        assert find_personal_data(text) == []


class TestRedact:
    def test_replaces_every_span(self) -> None:
        text = "请拨打13812345678或发邮件到a@b.cn，车牌粤B12345"
        assert (
            redact(text, find_personal_data(text)) == "请拨打［已隐去］或发邮件到［已隐去］，车牌［已隐去］"
        )

    def test_custom_mark(self) -> None:
        text = "电话010-62345678"
        assert redact(text, find_personal_data(text), mark="***") == "电话***"

    def test_full_width_span_is_replaced_whole(self) -> None:
        text = "电话１３８１２３４５６７８谢谢"
        assert redact(text, find_personal_data(text)) == "电话［已隐去］谢谢"

    def test_no_findings_leaves_text(self) -> None:
        assert redact("支持", []) == "支持"

    def test_overlapping_findings_are_refused(self) -> None:
        findings = [Finding("mobile", 0, 11, "13812345678"), Finding("email", 0, 19, "13812345678@163.com")]
        with pytest.raises(ValueError, match="overlapping"):
            redact("13812345678@163.com", findings)
