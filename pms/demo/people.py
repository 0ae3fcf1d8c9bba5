"""Generated owners: Chinese names, mobile numbers and valid PRC ID numbers (deterministic per rng)."""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Optional

from pms.estates.registry.cells import id_check_char

# The most common surnames, most frequent first (weights roughly follow their frequency).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟强军磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林建国志红春海东立新文德福全永长庆宝"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲桂兰萍燕梅琳雪婷慧颖淑珍凤云莉红华玉洁晶倩琴月莲丹"
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "185", "186",
                   "187", "188", "189")
# Where owners' ID numbers were issued: mostly Beijing districts, some from other provinces.
ID_REGIONS = ("110101", "110102", "110105", "110106", "110107", "110108", "110112", "110112", "110112",
              "110113", "110114", "110115", "130102", "130602", "131002", "120101", "370102",
              "410102", "230102", "210102", "140105", "320102", "130984", "131081")


def surname(rng: random.Random) -> str:
    # Frequent surnames are much more likely: pick from the head of the list most of the time.
    head = 20 if rng.random() < 0.7 else len(SURNAMES)
    return SURNAMES[rng.randrange(head)]


def person_name(rng: random.Random, male: bool) -> str:
    chars = GIVEN_MALE if male else GIVEN_FEMALE
    given = "".join(rng.choice(chars) for _i in range(1 if rng.random() < 0.35 else 2))
    return surname(rng) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def id_number(rng: random.Random, male: bool, born_from: date = date(1935, 1, 1),
              born_to: date = date(1990, 12, 31)) -> str:
    """A valid 18-character PRC ID number (GB 11643): region, birth date, sequence, check digit."""
    born = born_from + timedelta(days=rng.randrange((born_to - born_from).days + 1))
    sequence = rng.randrange(500) * 2 + (1 if male else 0)  # the 17th digit is odd for men
    first17 = f"{rng.choice(ID_REGIONS)}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


class OwnerFactory:
    """Owners for rooms: a name, most with a mobile number, most with a unique valid ID number."""

    # The shares are probabilities (of an owner having a phone / an ID number), not money.
    def __init__(self, rng: random.Random, *, phone_share: float = 0.9, id_share: float = 0.85):
        self.rng, self.phone_share, self.id_share = rng, phone_share, id_share
        self._ids: set[str] = set()

    def __call__(self) -> tuple[str, str, Optional[str]]:
        rng = self.rng
        male = rng.random() < 0.5
        name = person_name(rng, male)
        phone = mobile(rng) if rng.random() < self.phone_share else ""
        number = None
        if rng.random() < self.id_share:
            number = id_number(rng, male)
            while number in self._ids:
                number = id_number(rng, male)
            self._ids.add(number)
        return name, phone, number
