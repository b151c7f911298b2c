"""The site's invitations at the end of an article (follow us, our newsletter) leave its body."""

from __future__ import annotations

from portalnews.extraction import extract_article
from portalnews.extraction.bylines import strip_edges
from portalnews.extraction.promotions import drop_trailing_promotions, is_promotion

BODY = [
    "The city council approved the new budget on Monday after a debate that lasted most of the day.",
    "The plan adds money for schools, buses and the repair of two bridges over the river.",
    "Council members said the vote was the closest in a decade, with seven votes to six.",
]


def test_follow_us_and_newsletter_lines_at_the_end_are_dropped():
    lines = [*BODY, "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube."]
    assert drop_trailing_promotions(lines) == BODY
    lines = [*BODY, "Subscribe to the Morning Review newsletter",
             "Get the day's top headlines delivered to your inbox every morning."]
    assert drop_trailing_promotions(lines) == BODY  # the promotion's own second line goes with it


def test_only_the_last_two_lines_are_looked_at():
    # a paragraph about Twitter inside the article is the article's
    lines = [BODY[0], "Many people on Twitter pointed out the mistake within hours.", *BODY[1:]]
    assert drop_trailing_promotions(lines) == lines


def test_a_network_named_without_addressing_the_reader_is_the_articles():
    for last in ("Many people on Twitter pointed out the mistake within hours.",
                 "Người dân cần cảnh giác với các tài khoản Facebook giả mạo cơ quan công an.",
                 "The following day, the mayor posted an apology on Facebook."):
        assert drop_trailing_promotions([*BODY, last]) == [*BODY, last]
    assert is_promotion("Theo dõi Báo Hà Nội Mới trên Facebook")
    assert is_promotion("More from the team: https://twitter.com/citytimes")
    assert is_promotion("Get the best stories in our free weekly newsletter.")  # a newsletter alone


def test_long_lines_and_quoted_posts_are_the_articles():
    long_line = "Follow the mayor on Facebook: he said that " + "the budget " * 30 + "was fair."
    assert not is_promotion(long_line)
    assert not is_promotion("Meth. We're on it. https://t.co/HO1ZRs9T1P pic.twitter.com/3BDnrvkoms")
    assert is_promotion("Follow him on Twitter @michaeldwall.")
    assert drop_trailing_promotions([*BODY, long_line]) == [*BODY, long_line]


def test_nothing_is_dropped_when_it_would_be_most_of_the_body():
    lines = ["Short news.", "Follow us on Facebook and Twitter for more news from the city every day."]
    assert drop_trailing_promotions(lines) == lines


def test_the_byline_is_taken_whether_it_comes_before_or_after_the_promotion():
    for tail in (["NGÔ HUYỀN", "Theo dõi Báo trên Facebook và Zalo để đọc tin mới"],
                 ["Follow us on Facebook", "NGÔ HUYỀN"]):
        edges = strip_edges([*BODY, *tail])
        assert (edges.lines, edges.author) == (BODY, "NGÔ HUYỀN")


def test_extract_article_leaves_the_invitation_out_of_the_body():
    paragraphs = "".join(f"<p>{line} {line}</p>" for line in BODY)
    html = (
        "<html><head><title>Council approves budget</title></head><body><article>"
        f"<h1>Council approves budget</h1>{paragraphs}"
        "<p>Follow The City Times on Facebook, Twitter (@citytimes) and Instagram.</p>"
        "</article></body></html>"
    )
    body = extract_article(html, url="https://news.example.org/budget").body
    assert BODY[2] in body
    assert "Instagram" not in body
