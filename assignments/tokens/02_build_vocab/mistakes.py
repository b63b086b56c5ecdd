from autograder.runtime.mistakes import Known

MISTAKES = {
    "first-seen-order": Known("first-seen order", "sort the vocabulary by falling frequency, ties in sorted order."),
    "no-specials": Known("specials missing", "the specials <pad>, <unk>, <bos>, <eos> come first, ids 0..3."),
    "frequency-ignored": Known("alphabetical order only", "sort by falling frequency first; only ties go in "
                               "sorted order."),
    "ties-not-alphabetical": Known("ties not in sorted order", "tokens of equal frequency go in sorted order."),
    "rising-frequency": Known("rising frequency", "the most frequent token comes first."),
    "specials-last": Known("specials last", "the specials come first, ids 0..3."),
    "specials-order": Known("specials out of order", "the specials come as <pad>, <unk>, <bos>, <eos>."),
    "repeats-kept": Known("repeated tokens kept", "each token appears once in the vocabulary."),
    "special-duplicated": Known("special added twice", "a special that occurs in the tokens is already in the "
                                "vocabulary."),
}
