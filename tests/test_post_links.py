"""A link to the post a comment sits under is taken out before training and scoring."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from model.scorer import Scorer
from model.store import ModelStore
from model.text import post_key, without_post_links
from training.datasets import SHIPPED, read_csv

VIDEO = "https://www.youtube.com/watch?v=9bZkp7q19f0"


def test_both_youtube_forms_of_the_post_are_one_post() -> None:
    assert post_key("http://youtu.be/9bZkp7q19f0") == "youtube:9bZkp7q19f0"
    assert post_key("m.youtube.com/watch?feature=share&amp;v=9bZkp7q19f0") == "youtube:9bZkp7q19f0"
    assert post_key(VIDEO + "&t=2m19s") == "youtube:9bZkp7q19f0"


def test_takes_out_links_to_the_post_in_every_form() -> None:
    assert without_post_links("PSY M/V: http://youtu.be/9bZkp7q19f0\ufeff", VIDEO) == "PSY M/V: "
    assert without_post_links("best bit youtube.com/watch?v=9bZkp7q19f0&amp;t=2m", VIDEO) == (
        "best bit "
    )
    linked = '<a href="https://youtu.be/9bZkp7q19f0">https://youtu.be/9bZkp7q19f0</a> yes'
    assert without_post_links(linked, VIDEO) == '<a href=""></a> yes'


def test_keeps_links_to_other_videos_and_look_alikes() -> None:
    for text in (
        "my song youtube.com/watch?v=2ASFn9ShgHk please",
        "see youtu.be/9bZkp7q19f1",
        "see youtu.be/9bZkp7q19f0abc",
    ):
        assert without_post_links(text, VIDEO) == text
    assert without_post_links("PSY M/V: http://youtu.be/9bZkp7q19f0", None) == (
        "PSY M/V: http://youtu.be/9bZkp7q19f0"
    )


def test_a_blog_post_is_its_host_and_path() -> None:
    post = "https://blog.example.com/2024/05/my-post/"
    text = "as I said at http://www.blog.example.com/2024/05/my-post#comment-3, yes"
    assert without_post_links(text, post) == "as I said at , yes"
    other = "read blog.example.com/2024/05/my-post-2 and blog.example.com"
    assert without_post_links(other, post) == other


@given(st.text(), st.sampled_from([VIDEO, "https://a.example/p", "nonsense", ""]))
def test_never_raises(text: str, post: str) -> None:
    assert isinstance(without_post_links(text, post), str)


def test_shipped_youtube_comments_lose_links_to_their_own_video() -> None:
    psy = [e.text for e in read_csv(SHIPPED / "Youtube01-Psy.csv")]
    assert not any("9bZkp7q19f0" in t for t in psy)
    assert any("GANGNAM STYLE (강남스타일) M/V:" in t for t in psy)
    eminem = [e.text for e in read_csv(SHIPPED / "Youtube04-Eminem.csv")]
    assert any("youtube.com/watch?v=2ASFn9ShgHk" in t for t in eminem)


def test_the_scorer_judges_a_comment_without_its_link_to_the_post(data_dir: Path) -> None:
    scorer = Scorer(ModelStore(data_dir / "models").load_current())
    text = "PSY - GANGNAM STYLE M/V: http://youtu.be/9bZkp7q19f0 http://bit.ly/x1"
    (with_post,) = scorer.check([text], [VIDEO])
    (stripped,) = scorer.check(["PSY - GANGNAM STYLE M/V:  http://bit.ly/x1"])
    (unknown_post,) = scorer.check([text])
    assert with_post == stripped
    assert with_post.score != unknown_post.score
    assert not any("9bzkp" in r.message.lower() for r in with_post.reasons)
