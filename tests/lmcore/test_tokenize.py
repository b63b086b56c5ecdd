import pytest

from lmcore import Vocabulary, word_tokenize


def test_word_tokenize_splits_words_and_punctuation():
    assert word_tokenize("The cat sat on the mat.") == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert word_tokenize("Hello, world!  don't stop <eos>") == ["Hello", ",", "world", "!", "don't", "stop", "<eos>"]
    assert word_tokenize("") == []
    with pytest.raises(TypeError):
        word_tokenize(["not", "a", "string"])


def test_vocabulary_build_specials_first_then_frequency():
    v = Vocabulary.build(["the cat sat", "the dog sat on the mat"])
    assert v.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert v.itos[4:] == ["the", "sat", "cat", "dog", "mat", "on"]
    assert (v.pad_id, v.unk_id, v.bos_id, v.eos_id) == (0, 1, 2, 3)
    assert len(v) == 10


def test_vocabulary_build_from_token_lists_and_min_freq():
    v = Vocabulary.build([["a", "b", "a"], ["a", "c"]], min_freq=2)
    assert v.itos[4:] == ["a"]
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary.build(["a"], min_freq=0)


def test_encode_decode_with_unk():
    v = Vocabulary.build(["The cat sat on the mat ."])
    ids = v.encode(["The", "cat", "flew"])
    assert ids[2] == v.unk_id
    assert v.decode(ids) == ["The", "cat", "<unk>"]
    assert v.decode(v.encode("The cat sat")) == ["The", "cat", "sat"]
    with pytest.raises(IndexError, match="outside"):
        v.decode([len(v)])


def test_vocabulary_save_load_roundtrip(tmp_path):
    v = Vocabulary.build(["a b c a"])
    v.save(tmp_path / "v.json")
    assert Vocabulary.load(tmp_path / "v.json") == v
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(ValueError, match="bad.json"):
        Vocabulary.load(tmp_path / "bad.json")


def test_custom_specials_and_missing_special():
    v = Vocabulary.build(["x y"], specials=("<pad>",))
    assert v.pad_id == 0
    with pytest.raises(KeyError, match="<unk>"):
        _ = v.unk_id
