import pytest

from training.datasets import DatasetError, Example, data_files, dedupe, read_file


def test_reads_tubespam_csv_content_and_class_only(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"
        'a,Ann,2014-01-01,"hello, ""world""\nline two",0\n'
        "b,Bob,,check my channel,1\n"
    )
    assert read_file(path) == [
        Example('hello, "world"\nline two', 0, "v.csv"),
        Example("check my channel", 1, "v.csv"),
    ]


def test_reads_json_lines_with_text_or_content_and_both_label_styles(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "a", "label": "spam"}\n\n{"content": "b", "label": 0}\n')
    assert [(e.text, e.label) for e in read_file(path)] == [("a", 1), ("b", 0)]


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "not JSON"),
        ('{"text": "a"}', "label"),
        ('{"text": "a", "label": "x"}', "spam/ham"),
    ],
)
def test_bad_json_lines_name_the_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(DatasetError, match=message) as info:
        read_file(path)
    assert "bad.jsonl:1" in str(info.value)


def test_data_files_expands_directories_and_refuses_empty_ones(tmp_path):
    with pytest.raises(DatasetError, match="no .csv or .jsonl"):
        data_files([tmp_path])
    (tmp_path / "b.jsonl").write_text("")
    (tmp_path / "a.csv").write_text("")
    (tmp_path / "notes.txt").write_text("")
    assert [p.name for p in data_files([tmp_path])] == ["a.csv", "b.jsonl"]


def test_dedupe_keeps_the_first_of_texts_equal_after_normalisation():
    kept = dedupe([Example("Hi &amp; bye\ufeff", 1, "a"), Example("hi & BYE", 1, "b")])
    assert [e.source for e in kept] == ["a"]
