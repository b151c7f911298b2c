"""MinHash signatures stay comparable with those already stored: the definition in pipelines/load/stories.py,
written out plainly here, gives the same values as the load stage's faster code."""

from __future__ import annotations

from hashlib import blake2b

from portalnews.pipelines.load import stories
from portalnews.vietnamese.text import comparison_form

TEXT = ("Sáng 27/11, Ban Thường vụ Thành ủy tổ chức hội nghị sơ kết công tác chuyển đổi số năm 2026. "
        "Đồng chí Bí thư Thành ủy chủ trì hội nghị và yêu cầu các cấp ủy tiếp tục đẩy mạnh cải cách "
        "hành chính, chuyển đổi số gắn với phục vụ người dân và doanh nghiệp. ") * 3


def signature_by_definition(text: str) -> list[int]:
    """One hash per distinct 4-word shingle (blake2b, 8 bytes, top bit dropped) spread over 64 bins by its
    remainder, the smallest quotient kept per bin; an empty bin takes the next non-empty bin to its right,
    rehashed with the distance."""
    words = comparison_form(text).split()
    shingles = {" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))}

    def hash63(value: str) -> int:
        return int.from_bytes(blake2b(value.encode("utf-8"), digest_size=8).digest(), "big") >> 1

    bins: dict[int, int] = {}
    for shingle in shingles:
        value = hash63(shingle)
        bins[value % 64] = min(bins.get(value % 64, value // 64), value // 64)
    signature = []
    for index in range(64):
        distance = next(d for d in range(64) if (index + d) % 64 in bins)
        donor = bins[(index + distance) % 64]
        signature.append(donor if distance == 0 else hash63(f"{donor}:{distance}"))
    return signature


def test_signatures_are_the_documented_minhash_so_stored_ones_stay_comparable():
    assert stories.minhash(TEXT) == signature_by_definition(TEXT)


def test_a_short_text_with_empty_bins_gets_the_same_densified_signature():
    short = "Hội nghị Ban Chấp hành Đảng bộ thành phố lần thứ mười"
    assert stories.minhash(short) == signature_by_definition(short)
